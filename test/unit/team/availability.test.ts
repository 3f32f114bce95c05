import { describe, expect, it } from 'vitest';
import { availability, isWorking, loadTeamOrThrow, nextChange, onCall, onShift } from '../../../src/team/index.js';
import { group, teamFrom, utc } from './helpers.js';

const { team } = loadTeamOrThrow('test/fixtures/team/team.yaml');
const serviceDesk = group(team, 'Service Desk');
const netOps = group(team, 'Network Operations');
const person = (id: string) => {
  const p = team.people.get(id);
  if (p === undefined) throw new Error(id);
  return p;
};

describe('named shifts', () => {
  it('puts the early shift on duty in the morning and the late shift in the afternoon (Lisbon, summer time)', () => {
    expect(onShift(serviceDesk, utc('2026-03-30T07:30:00'))).toEqual(['ana', 'joao']); // 08:30 WEST
    expect(onShift(serviceDesk, utc('2026-03-30T14:30:00'))).toEqual(['rui', 'marta']); // 15:30 WEST
    expect(onShift(serviceDesk, utc('2026-03-30T19:30:00'))).toEqual([]); // 20:30 WEST
  });

  it('runs only the shifts that have Saturday hours on a Saturday', () => {
    expect(onShift(serviceDesk, utc('2026-04-04T10:00:00'))).toEqual(['ana', 'joao']);
  });

  it('names the shift and when it ends', () => {
    const a = availability(person('ana'), serviceDesk, utc('2026-03-30T07:30:00'));

    expect(a).toMatchObject({ state: 'working', shift: 'early', until: utc('2026-03-30T13:00:00') });
    expect(a.detail).toBe('on the early shift until 14:00 Europe/Lisbon');
  });

  it('says when an off-shift person starts next, in the group zone', () => {
    const a = availability(person('rui'), serviceDesk, utc('2026-03-30T07:30:00'));

    expect(a.detail).toBe('off shift until 14:00 Europe/Lisbon');
    expect(nextChange(person('rui'), serviceDesk, utc('2026-03-30T07:30:00'))).toEqual(utc('2026-03-30T13:00:00'));
  });

  it('names the day of the next start when it is not today, skipping a holiday and the weekend', () => {
    expect(availability(person('rui'), serviceDesk, utc('2026-04-02T22:00:00')).detail).toBe('off shift until Mon 2026-04-06 14:00 Europe/Lisbon');
  });
});

describe('holidays and absences', () => {
  it('keeps everyone off on a group holiday and says so', () => {
    const a = availability(person('ana'), serviceDesk, utc('2026-12-25T10:00:00'));

    expect(a.state).toBe('holiday');
    expect(a.detail).toBe('holiday 2026-12-25, off until Sat 2026-12-26 09:00 Europe/Lisbon');
    expect(onShift(serviceDesk, utc('2026-12-25T10:00:00'))).toEqual([]);
  });

  it('reports leave with its last day, not its exclusive end', () => {
    const a = availability(person('ana'), serviceDesk, utc('2026-12-01T10:00:00'));

    expect(a).toMatchObject({ state: 'absent', working: false, detail: 'on leave until 2026-12-02' });
    expect(a.until).toEqual(utc('2026-12-03T00:00:00'));
    expect(isWorking(person('ana'), serviceDesk, utc('2026-12-03T09:00:00'))).toBe(true);
  });
});

describe('people in another zone than their group', () => {
  const cross = teamFrom(`
people:
  - { id: kim, name: Kim Lee, timeZone: America/New_York, capacity: 5, workingHours: { mon-fri: "09:00-17:00" } }
groups:
  - { name: Desk, timeZone: Europe/Lisbon, members: [kim], workingHours: { mon-fri: "08:00-20:00" } }
`);
  const desk = group(cross, 'Desk');
  const kim = cross.people.get('kim');
  if (kim === undefined) throw new Error('kim');

  it('works the overlap of her hours and the group hours while only the US is on summer time', () => {
    // 2026-03-16: New York is on EDT (UTC-4), Lisbon still on WET (UTC+0).
    expect(availability(kim, desk, utc('2026-03-16T12:30:00')).detail).toBe('off shift until 13:00 Europe/Lisbon');
    expect(isWorking(kim, desk, utc('2026-03-16T19:59:00'))).toBe(true);
    expect(isWorking(kim, desk, utc('2026-03-16T20:00:00'))).toBe(false); // the group closes first
  });

  it('shifts the overlap by an hour once both zones are on summer time', () => {
    expect(availability(kim, desk, utc('2026-03-30T12:30:00')).detail).toBe('off shift until 14:00 Europe/Lisbon');
    expect(isWorking(kim, desk, utc('2026-03-30T18:59:00'))).toBe(true);
    expect(isWorking(kim, desk, utc('2026-03-30T19:00:00'))).toBe(false);
  });
});

describe('overnight shifts across a DST change', () => {
  const night = teamFrom(`
people:
  - { id: nia, name: Nia Cole, timeZone: America/New_York, capacity: 5 }
groups:
  - { name: Night, timeZone: America/New_York, members: [nia], workingHours: { sat: "22:00-06:00" } }
`);
  const g = group(night, 'Night');
  const nia = night.people.get('nia');
  if (nia === undefined) throw new Error('nia');

  it('ends at 06:00 EST after the fall-back, nine hours after it started', () => {
    expect(isWorking(nia, g, utc('2026-11-01T02:00:00'))).toBe(true); // Sat 22:00 EDT
    expect(isWorking(nia, g, utc('2026-11-01T10:59:00'))).toBe(true); // Sun 05:59 EST
    expect(nextChange(nia, g, utc('2026-11-01T02:00:00'))).toEqual(utc('2026-11-01T11:00:00'));
  });

  it('ends at 06:00 EDT after the spring-forward, seven hours after it started', () => {
    expect(nextChange(nia, g, utc('2026-03-08T03:00:00'))).toEqual(utc('2026-03-08T10:00:00'));
  });
});

describe('on-call rotation', () => {
  it('hands off weekly at 09:00 New York time, even after the DST change, counting many weeks', () => {
    // 12 weeks after 2026-01-05: position 12 % 3 = 0 → dana; a minute earlier it is still priya.
    expect(onCall(netOps, utc('2026-03-30T13:00:00'))).toMatchObject({ person: 'dana', reason: 'rotation', until: utc('2026-04-06T13:00:00') });
    expect(onCall(netOps, utc('2026-03-30T12:59:00'))?.person).toBe('priya');
    // Week 50 (2026-12-21): 50 % 3 = 2 → priya, handoff at 09:00 EST = 14:00 UTC.
    expect(onCall(netOps, utc('2026-12-21T14:00:00'))?.person).toBe('priya');
    expect(onCall(netOps, utc('2026-12-21T13:59:00'))?.person).toBe('sam');
  });

  it('lets a holiday-cover override replace the rotation for its span', () => {
    expect(onCall(netOps, utc('2026-07-08T03:00:00'))).toMatchObject({
      person: 'sam',
      reason: 'override',
      note: "covers Priya's holiday",
      until: utc('2026-07-13T13:00:00'),
    });
  });

  it('ends the rotation turn early when a swap starts, and resumes it after', () => {
    expect(onCall(netOps, utc('2026-11-25T12:00:00'))).toMatchObject({ person: 'sam', reason: 'rotation', until: utc('2026-11-25T22:00:00') });
    expect(onCall(netOps, utc('2026-11-26T12:00:00'))).toMatchObject({ person: 'dana', reason: 'override' });
    expect(onCall(netOps, utc('2026-11-27T14:00:00'))).toMatchObject({ person: 'sam', reason: 'rotation', since: utc('2026-11-27T14:00:00') });
  });

  it('has nobody on call before the rotation starts', () => {
    expect(onCall(netOps, utc('2026-01-05T13:59:00'))).toBeUndefined();
    expect(onCall(netOps, utc('2026-01-05T14:00:00'))?.person).toBe('dana');
  });

  it('hands off daily at the local time in a southern-hemisphere zone', () => {
    const daily = teamFrom(`
people:
  - { id: a, name: A, timeZone: Australia/Sydney, capacity: 1 }
  - { id: b, name: B, timeZone: Australia/Sydney, capacity: 1 }
groups:
  - name: Syd
    timeZone: Australia/Sydney
    members: [a, b]
    onCall: { rotation: daily, handoff: "08:00", start: 2026-04-01, members: [a, b] }
`);
    const syd = group(daily, 'Syd');
    // 2026-04-06 08:00 AEST (after the 04-05 change) = 2026-04-05T22:00Z; day 5 → b.
    expect(onCall(syd, utc('2026-04-05T21:59:00'))?.person).toBe('a');
    expect(onCall(syd, utc('2026-04-05T22:00:00'))?.person).toBe('b');
  });
});
