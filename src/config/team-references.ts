import fs from 'node:fs';
import type { Team } from '../team/model.js';
import type { Diagnostic } from '../diagnostics/diagnostics.js';
import type { LoadedRulesFile } from './load-rules.js';
import { nodeAt, nodeStart, parseYamlSource, positionAt, type YamlSource } from '../diagnostics/yaml-source.js';

/**
 * Rules that name a group of the team file: an SLA `calendar` must be one (an error — no step
 * could ever fire), and a team-aware routing rule's group should be one (a warning — it would
 * assign the group alone, every time).
 */
export function teamReferenceDiagnostics(files: readonly LoadedRulesFile[], team: Team | undefined): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const groups = team ? [...team.groups.keys()] : [];
  const known = groups.length > 0 ? `: the team file has ${groups.join(', ')}` : team ? ': the team file has no groups' : ': there is no team.yaml beside the rules';
  for (const loaded of files) {
    let yaml: YamlSource | undefined;
    const at = (path: (string | number)[]): { line: number; column: number } => {
      yaml ??= parseYamlSource(loaded.file, fs.readFileSync(loaded.file, 'utf8')).source;
      return positionAt(yaml, nodeStart(nodeAt(yaml, path) ?? nodeAt(yaml, path.slice(0, 2))));
    };
    loaded.rules.forEach((rule, index) => {
      if (rule.kind === 'sla' && rule.calendar !== '24x7' && !team?.groups.has(rule.calendar)) {
        diagnostics.push({
          file: loaded.file,
          ...at(['rules', index, 'calendar']),
          severity: 'error',
          code: 'unknown-reference',
          message: `Rule ${rule.id} counts business time in calendar "${rule.calendar}", which is not a group of the team file${known}`,
          hint: 'use 24x7, or a group name exactly as in rules/team.yaml',
        });
      }
      if (rule.kind === 'routing' && (rule.assign.team || rule.assign.strategy === 'skill-match' || rule.assign.strategy === 'on-call') && !team?.groups.has(rule.assign.group)) {
        diagnostics.push({
          file: loaded.file,
          ...at(['rules', index, 'assign', 'group']),
          severity: 'warning',
          code: 'unknown-reference',
          message: `Rule ${rule.id} picks people of "${rule.assign.group}" from the team file, which has no such group${known}; it would assign the group alone`,
          hint: 'add the group to rules/team.yaml, or give the rule members: [...]',
        });
      }
    });
  }
  return diagnostics;
}
