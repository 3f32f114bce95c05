import { z } from 'zod';

/** Shapes of the team file. Formats (zones, times, dates) and references are checked by the loader's lint. */

const HoursSpec = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

const Absence = z.strictObject({
  from: z.string(),
  to: z.string(),
  reason: z.string().default('leave'),
});

const Person = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  accounts: z.record(z.string(), z.string()).default({}),
  skills: z.record(z.string(), z.number().int().min(1).max(5)).default({}),
  timeZone: z.string(),
  capacity: z.number().int().min(0),
  workingHours: HoursSpec.optional(),
  absences: z.array(Absence).default([]),
});

const Shift = z.strictObject({
  name: z.string().min(1),
  hours: HoursSpec,
  members: z.array(z.string()),
});

const Override = z.strictObject({
  from: z.string(),
  to: z.string(),
  person: z.string(),
  reason: z.string().optional(),
});

const OnCall = z.strictObject({
  rotation: z.enum(['weekly', 'daily']),
  handoff: z.string(),
  start: z.string(),
  members: z.array(z.string()).min(1),
  overrides: z.array(Override).default([]),
});

const Group = z.strictObject({
  name: z.string().min(1),
  members: z.array(z.string()),
  timeZone: z.string(),
  workingHours: HoursSpec.optional(),
  holidays: z.array(z.string()).default([]),
  shifts: z.array(Shift).default([]),
  onCall: OnCall.optional(),
});

export const TeamFile = z.strictObject({
  version: z.literal(1).optional(),
  people: z.array(Person).default([]),
  groups: z.array(Group).default([]),
});
export type TeamFile = z.infer<typeof TeamFile>;
export type PersonEntry = z.infer<typeof Person>;
export type GroupEntry = z.infer<typeof Group>;
