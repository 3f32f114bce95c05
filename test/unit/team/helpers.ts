import { parseTeam } from '../../../src/team/index.js';
import type { Group, Team } from '../../../src/team/index.js';
import { formatDiagnostic } from '../../../src/diagnostics/diagnostics.js';

/** Parses team YAML and fails loudly when it has errors. */
export function teamFrom(yaml: string): Team {
  const result = parseTeam('team.yaml', yaml);
  if (result.team === undefined) throw new Error(result.diagnostics.map(formatDiagnostic).join('\n'));
  return result.team;
}

export function group(team: Team, name: string): Group {
  const g = team.groups.get(name);
  if (g === undefined) throw new Error(`no group ${name}`);
  return g;
}

export const utc = (iso: string): Date => new Date(`${iso}Z`);
export const HOUR = 3_600_000;
