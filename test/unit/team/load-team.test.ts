import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/diagnostics/diagnostics.js';
import { loadTeam, loadTeamOrThrow, parseTeam, personForAccount } from '../../../src/team/index.js';

const lines = (yaml: string): string[] => parseTeam('team.yaml', yaml).diagnostics.map(formatDiagnostic);

describe('loading the team file', () => {
  it('loads the example file without diagnostics', () => {
    const result = loadTeam('test/fixtures/team/team.yaml');

    expect(result.diagnostics).toEqual([]);
    expect([...(result.team?.groups.keys() ?? [])]).toEqual(['Service Desk', 'Network Operations']);
    expect(result.team?.groups.get('Service Desk')?.members.map((p) => p.id)).toEqual(['ana', 'rui', 'marta', 'joao']);
  });

  it('finds a person from a platform account', () => {
    const { team } = loadTeamOrThrow('test/fixtures/team/team.yaml');

    expect(personForAccount(team, 'jira-cloud', 'Rui Santos')?.id).toBe('rui');
    expect(personForAccount(team, 'jira-cloud', 'nobody')).toBeUndefined();
  });

  it('reports every reference, zone, time and id problem at once, each at its line and column', () => {
    const yaml = `people:
  - { id: ana, name: Ana, timeZone: Europe/Lisbn, capacity: 8 }
  - { id: ana, name: Ana again, timeZone: UTC, capacity: 8 }
  - { id: bob, name: Bob, timeZone: UTC, capacity: 8, workingHours: { mon-fry: "09:00-17:00" } }
groups:
  - name: Desk
    timeZone: Europe/Lisbon
    members: [ana, bbo]
    workingHours: { mon-fri: "08:00-25:00" }
    holidays: [2026-02-30]
    onCall:
      rotation: weekly
      handoff: "mon 09:00"
      start: 2026-01-06
      members: [ana, bob]
      overrides:
        - { from: "2026-03-02 09:00", to: "2026-03-09 09:00", person: bob }
        - { from: "2026-03-05 09:00", to: "2026-03-06 09:00", person: ana }
`;

    expect(lines(yaml)).toEqual([
      'team.yaml:2:37 error bad-value: Unknown time zone "Europe/Lisbn" (hint: use an IANA zone name such as "Europe/Lisbon" or "America/New_York")',
      'team.yaml:3:11 error duplicate-id: Duplicate person id "ana" (first defined at line 2:11) (hint: person ids must be unique in the team file)',
      'team.yaml:4:71 error bad-value: Unknown day "mon-fry" (hint: use mon, tue, wed, thu, fri, sat, sun, a range like "mon-fri", a list like "mon,wed", "daily", "weekdays" or "weekends")',
      'team.yaml:8:20 error bad-value: Unknown person "bbo" in members of group "Desk" (hint: did you mean "bob"?)',
      'team.yaml:9:30 error bad-value: Time range "08:00-25:00" has a bad end time (hint: write "HH:MM-HH:MM", e.g. "08:00-17:00"; an end before the start (22:00-06:00) runs overnight)',
      'team.yaml:10:16 error bad-value: Bad holiday date "2026-02-30" (hint: write dates as YYYY-MM-DD, date-times as "YYYY-MM-DD HH:MM" (local to the zone))',
      'team.yaml:14:14 error bad-value: Rotation start 2026-01-06 is a tue, but handoffs happen on mon (hint: start the rotation on a mon, the day of the first handoff)',
      'team.yaml:18:11 error bad-value: On-call override overlaps the override at line 17:11 (hint: make one end where the other starts; only one person can hold an override at a time)',
    ]);
  });

  it('reports schema problems with positions and did-you-mean hints', () => {
    const yaml = `people:
  - id: ana
    name: Ana
    timezone: Europe/Lisbon
    capacity: 8
    skills: { network: 7 }
`;
    const out = lines(yaml);

    // One typo, one error: the missing "timeZone" is reported with the key that was meant to be it (issue 20).
    expect(out).toContain('team.yaml:4:5 error unknown-field: Unknown field "timezone" in people[0], and the required field "timeZone" is missing (hint: did you mean "timeZone"?)');
    expect(out.some((l) => l.includes('Missing required field "timeZone"'))).toBe(false);
    expect(out.some((l) => l.startsWith('team.yaml:6:24 error bad-value: people[0].skills.network'))).toBe(true);
  });

  it('rejects a shift member who is not in the group and an empty time range', () => {
    const yaml = `people:
  - { id: ana, name: Ana, timeZone: UTC, capacity: 8 }
  - { id: bob, name: Bob, timeZone: UTC, capacity: 8 }
groups:
  - name: Desk
    timeZone: UTC
    members: [ana]
    shifts:
      - { name: early, hours: { daily: "08:00-08:00" }, members: [bob] }
`;

    expect(lines(yaml)).toEqual([
      'team.yaml:9:40 error bad-value: Time range "08:00-08:00" is empty (hint: use "00:00-24:00" for a whole day)',
      'team.yaml:9:67 error bad-value: "bob" is on shift "early" but not a member of group "Desk" (hint: add "bob" to groups[0].members)',
    ]);
  });

  it('throws a ConfigError listing the diagnostics from the OrThrow variant', () => {
    expect(() => loadTeamOrThrow('test/fixtures/team/missing.yaml')).toThrow(/Invalid team file \(1 error\)/);
  });
});
