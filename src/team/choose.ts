import { availability, onCall } from './availability.js';
import type { Availability } from './availability.js';
import type { Group, Person } from './model.js';

export type Strategy = 'skill-match' | 'least-loaded' | 'round-robin' | 'on-call';

/** Required skills: `{ network: 3 }` means network at level 3 or above. */
export type SkillRequirement = Readonly<Record<string, number>>;

export interface ChooseInput {
  group: Group;
  strategy: Strategy;
  now: Date;
  /** Open tickets per person id; missing ids count as 0. */
  load: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  requiredSkills?: SkillRequirement;
  /** Round-robin only: the position the caller stored from the last `nextPosition` (default 0). */
  position?: number;
}

export interface Candidate {
  person: string;
  name: string;
  eligible: boolean;
  /** Why they are out ("at capacity 8/8"), or the facts that put them in ("on shift until 17:00 …"). */
  reasons: string[];
  load: number;
  capacity: number;
  /** Sum of the person's levels in the required skills (0 when none are required). */
  skillScore: number;
  availability: Availability;
}

export interface ChooseResult {
  strategy: Strategy;
  /** The chosen person id, or undefined when nobody fits (assign the group only). */
  chosen?: string;
  /** Eligible candidates first, in rank order; then the rest in member order. */
  candidates: Candidate[];
  /** One sentence for the assignment note, whether someone was chosen or not. */
  explanation: string;
  /** Round-robin: store this and pass it back as `position` next time. */
  nextPosition?: number;
}

function loadOf(load: ChooseInput['load'], id: string): number {
  return (load instanceof Map ? (load as ReadonlyMap<string, number>).get(id) : (load as Readonly<Record<string, number>>)[id]) ?? 0;
}

function skillGaps(person: Person, required: SkillRequirement): string[] {
  return Object.entries(required)
    .filter(([skill, min]) => (person.skills[skill] ?? 0) < min)
    .map(([skill, min]) => {
      const has = person.skills[skill];
      return `lacks skill ${skill}≥${min} (${has === undefined ? 'none' : `has ${has}`})`;
    });
}

function skillScore(person: Person, required: SkillRequirement): number {
  return Object.keys(required).reduce((sum, skill) => sum + (person.skills[skill] ?? 0), 0);
}

function skillText(person: Person, required: SkillRequirement): string {
  return Object.keys(required)
    .map((skill) => `${skill} ${person.skills[skill] ?? 0}`)
    .join(', ');
}

/**
 * Ranks the group's members for a ticket and picks one.
 *
 * - `skill-match`: working, under capacity, meets the required skills; best total level in the
 *   required skills first, then lowest load, then id.
 * - `least-loaded`: same filter; lowest load first, then most free capacity, then id.
 * - `round-robin`: same filter; the first eligible member at or after `position` in member order.
 * - `on-call`: the person on call now, whatever the working hours and load; still out when on
 *   leave or lacking a required skill (fix those with an on-call override).
 */
export function chooseAssignee(input: ChooseInput): ChooseResult {
  const { group, strategy, now } = input;
  const required = input.requiredSkills ?? {};
  const duty = strategy === 'on-call' ? onCall(group, now) : undefined;

  const candidates: Candidate[] = group.members.map((person) => {
    const avail = availability(person, group, now);
    const load = loadOf(input.load, person.id);
    const reasons: string[] = [];
    let eligible = true;
    if (strategy === 'on-call') {
      if (duty?.person !== person.id) {
        eligible = false;
        reasons.push(duty === undefined ? 'no on-call rotation in effect' : 'not on call');
      } else {
        reasons.push(duty.reason === 'override' ? `on call (override${duty.note === undefined ? '' : `: ${duty.note}`})` : 'on call');
      }
      if (avail.state === 'absent') {
        eligible = false;
        reasons.push(avail.detail);
      }
    } else if (!avail.working) {
      eligible = false;
      reasons.push(avail.detail);
    } else {
      reasons.push(avail.detail);
    }
    const gaps = skillGaps(person, required);
    if (gaps.length > 0) {
      eligible = false;
      reasons.push(...gaps);
    }
    if (load >= person.capacity && strategy !== 'on-call') {
      eligible = false;
      reasons.push(`at capacity ${load}/${person.capacity}`);
    } else {
      reasons.push(`${load}/${person.capacity} open`);
    }
    return { person: person.id, name: person.name, eligible, reasons, load, capacity: person.capacity, skillScore: skillScore(person, required), availability: avail };
  });

  const eligible = candidates.filter((c) => c.eligible);
  const rest = candidates.filter((c) => !c.eligible);
  const byId = (a: Candidate, b: Candidate): number => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0);
  let nextPosition: number | undefined;
  switch (strategy) {
    case 'skill-match':
      eligible.sort((a, b) => b.skillScore - a.skillScore || a.load - b.load || byId(a, b));
      break;
    case 'least-loaded':
      eligible.sort((a, b) => a.load - b.load || b.capacity - b.load - (a.capacity - a.load) || byId(a, b));
      break;
    case 'round-robin': {
      const n = group.members.length;
      const start = n === 0 ? 0 : (((input.position ?? 0) % n) + n) % n;
      const rank = (c: Candidate): number => (group.members.findIndex((p) => p.id === c.person) - start + n) % n;
      eligible.sort((a, b) => rank(a) - rank(b));
      const first = eligible[0];
      nextPosition = first === undefined ? start : group.members.findIndex((p) => p.id === first.person) + 1;
      break;
    }
    case 'on-call':
      break;
  }

  const ranked = [...eligible, ...rest];
  const chosen = eligible[0];
  const result: ChooseResult = { strategy, candidates: ranked, explanation: '' };
  if (nextPosition !== undefined) result.nextPosition = nextPosition;
  if (chosen === undefined) {
    const why = rest.map((c) => `${c.name}: ${c.reasons.filter((r) => !/ open$/.test(r) || r.startsWith('at capacity')).join(', ')}`);
    result.explanation =
      group.members.length === 0
        ? `Nobody in ${group.name} fits: the group has no members; assigned to the group only.`
        : `Nobody in ${group.name} fits (${why.join('; ')}); assigned to the group only.`;
    return result;
  }
  result.chosen = chosen.person;
  result.explanation = explain(strategy, chosen, eligible.length, group, required);
  return result;
}

function explain(strategy: Strategy, c: Candidate, pool: number, group: Group, required: SkillRequirement): string {
  const person = group.members.find((p) => p.id === c.person);
  const skills = person !== undefined && Object.keys(required).length > 0 ? `, ${skillText(person, required)}` : '';
  const load = `${c.load}/${c.capacity} open tickets`;
  const others = pool - 1 === 0 ? 'the only one available' : `chosen from ${pool} available`;
  switch (strategy) {
    case 'skill-match':
      return `Assigned to ${c.name} in ${group.name} by skill match (${c.availability.detail}${skills}, ${load}; ${others}).`;
    case 'least-loaded':
      return `Assigned to ${c.name} in ${group.name} as the least loaded (${load}, ${c.availability.detail}${skills}; ${others}).`;
    case 'round-robin':
      return `Assigned to ${c.name} in ${group.name} by round robin (${c.availability.detail}${skills}, ${load}; ${others}).`;
    case 'on-call':
      return `Assigned to ${c.name}, on call for ${group.name} (${c.reasons[0] ?? 'on call'}, ${c.availability.detail}, ${load}).`;
  }
}
