import fs from 'node:fs';
import { kindNamed, RULE_KINDS } from '../engine/kinds.js';
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
      // Each kind says which groups of the team file its rules name (see `teamReferences` in src/engine/<kind>/).
      for (const reference of kindNamed(RULE_KINDS, rule.kind)?.teamReferences(rule) ?? []) {
        if (team?.groups.has(reference.group)) continue;
        diagnostics.push({
          file: loaded.file,
          ...at(['rules', index, ...reference.path]),
          severity: reference.severity,
          code: 'unknown-reference',
          message: reference.message(known),
          hint: reference.hint,
        });
      }
    });
  }
  return diagnostics;
}
