import { describe, expect, it } from 'vitest';
import { chooseAssignee, loadTeamOrThrow } from '../../../src/team/index.js';
import { group, utc } from './helpers.js';

const { team } = loadTeamOrThrow('test/fixtures/team/team.yaml');
const serviceDesk = group(team, 'Service Desk');
const netOps = group(team, 'Network Operations');
const MORNING = utc('2026-03-30T07:30:00'); // Mon 08:30 Lisbon: early shift (ana, joao)
const AFTERNOON = utc('2026-03-30T14:30:00'); // Mon 15:30 Lisbon: late shift (rui, marta); 10:30 New York

describe('skill-match', () => {
  it('picks the best skill fit among those working, then the lowest load', () => {
    const result = chooseAssignee({ group: serviceDesk, strategy: 'skill-match', now: AFTERNOON, load: { rui: 1, marta: 5 }, requiredSkills: { windows: 3 } });

    expect(result.chosen).toBe('marta'); // windows 5 beats rui's 3
    expect(result.candidates.map((c) => c.person)).toEqual(['marta', 'rui', 'ana', 'joao']);
    expect(result.explanation).toBe('Assigned to Marta Silva in Service Desk by skill match (on the late shift until 20:00 Europe/Lisbon, windows 5, 5/6 open tickets; chosen from 2 available).');
  });

  it('explains who is out and why', () => {
    const result = chooseAssignee({ group: serviceDesk, strategy: 'skill-match', now: MORNING, load: { ana: 3, joao: 8 }, requiredSkills: { vpn: 3 } });
    const reasons = Object.fromEntries(result.candidates.map((c) => [c.person, c.reasons]));

    expect(result.chosen).toBe('ana');
    expect(reasons.joao).toEqual(['on the early shift until 14:00 Europe/Lisbon', 'lacks skill vpn≥3 (none)', 'at capacity 8/8']);
    expect(reasons.rui).toContain('off shift until 14:00 Europe/Lisbon');
  });

  it('returns nobody, with every reason, when no one fits', () => {
    const result = chooseAssignee({ group: serviceDesk, strategy: 'skill-match', now: MORNING, load: {}, requiredSkills: { network: 3 } });

    expect(result.chosen).toBeUndefined();
    expect(result.candidates.every((c) => !c.eligible)).toBe(true);
    expect(result.explanation).toMatch(/^Nobody in Service Desk fits \(Ana Costa: on the early shift until 14:00 Europe\/Lisbon, lacks skill network≥3 \(has 2\); /);
    expect(result.explanation).toMatch(/; assigned to the group only\.$/);
  });
});

describe('least-loaded', () => {
  it('picks the person with the fewest open tickets among those on shift', () => {
    const load = new Map([
      ['rui', 4],
      ['marta', 2],
      ['ana', 0],
    ]);

    expect(chooseAssignee({ group: serviceDesk, strategy: 'least-loaded', now: AFTERNOON, load }).chosen).toBe('marta');
  });

  it('skips a person at capacity', () => {
    const result = chooseAssignee({ group: serviceDesk, strategy: 'least-loaded', now: AFTERNOON, load: { rui: 4, marta: 6 } });

    expect(result.chosen).toBe('rui');
    expect(result.candidates.find((c) => c.person === 'marta')?.reasons).toContain('at capacity 6/6');
  });
});

describe('round-robin', () => {
  it('takes the next member on shift from the stored position and returns the position after', () => {
    const first = chooseAssignee({ group: serviceDesk, strategy: 'round-robin', now: AFTERNOON, load: {}, position: 0 });
    // Members: ana(0), rui(1), marta(2), joao(3); ana is off shift, so rui.
    expect(first).toMatchObject({ chosen: 'rui', nextPosition: 2 });

    const second = chooseAssignee({ group: serviceDesk, strategy: 'round-robin', now: AFTERNOON, load: {}, position: first.nextPosition });
    expect(second).toMatchObject({ chosen: 'marta', nextPosition: 3 });

    const third = chooseAssignee({ group: serviceDesk, strategy: 'round-robin', now: AFTERNOON, load: {}, position: second.nextPosition });
    expect(third).toMatchObject({ chosen: 'rui', nextPosition: 2 }); // wraps past joao and ana, who are off
  });
});

describe('on-call', () => {
  it('picks the on-call person outside working hours and whatever their load', () => {
    const night = utc('2026-03-31T05:00:00'); // 01:00 New York; dana's week
    const result = chooseAssignee({ group: netOps, strategy: 'on-call', now: night, load: { dana: 12 } });

    expect(result.chosen).toBe('dana');
    expect(result.explanation).toBe('Assigned to Dana Whitfield, on call for Network Operations (on call, off shift until 09:00 America/New_York, 12/10 open tickets).');
  });

  it('follows an override and names it', () => {
    const result = chooseAssignee({ group: netOps, strategy: 'on-call', now: utc('2026-07-08T03:00:00'), load: {} });

    expect(result.chosen).toBe('sam');
    expect(result.candidates[0]?.reasons[0]).toBe("on call (override: covers Priya's holiday)");
  });

  it('falls back to the group when the on-call person lacks a required skill', () => {
    const result = chooseAssignee({ group: netOps, strategy: 'on-call', now: utc('2026-03-31T05:00:00'), load: {}, requiredSkills: { database: 3 } });

    expect(result.chosen).toBeUndefined();
    expect(result.explanation).toContain('Dana Whitfield: on call, lacks skill database≥3 (none)');
  });
});
