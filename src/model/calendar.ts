/** Working time between instants, and when an amount of working time from an instant runs out (a group's business hours). */
export interface SlaCalendar {
  businessMsBetween(from: Date, to: Date): number;
  addBusinessMs(from: Date, ms: number): Date;
}
