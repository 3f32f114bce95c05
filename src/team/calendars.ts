import type { SlaCalendar } from '../model/calendar.js';
import { addBusinessMs, businessMsBetween, groupCalendar } from './business-time.js';
import type { Team } from './model.js';

/**
 * SLA calendars by group name: a group's working hours, time zone and holidays. Built once per
 * team (the team file is reloaded as a whole with the rules).
 */
export function teamCalendars(team: Team | undefined): (name: string) => SlaCalendar | undefined {
  const cache = new Map<string, SlaCalendar>();
  return (name) => {
    const cached = cache.get(name);
    if (cached) return cached;
    const group = team?.groups.get(name);
    if (!group) return undefined;
    const calendar = groupCalendar(group);
    const sla: SlaCalendar = {
      businessMsBetween: (from, to) => Math.max(0, businessMsBetween(calendar, from, to)),
      addBusinessMs: (from, ms) => addBusinessMs(calendar, from, ms),
    };
    cache.set(name, sla);
    return sla;
  };
}
