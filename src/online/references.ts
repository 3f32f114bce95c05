import path from 'node:path';
import jsonata from 'jsonata';
import { isMap } from 'yaml';
import { expressionNames } from '../mapping/expression-names.js';
import { mappingName } from '../config/schema.js';
import { readTextFile } from '../diagnostics/read-file.js';
import { mapValue, nodeAt, nodeStart, parseYamlSource, positionAt, seqItems, stringScalar, type StringScalar, type YamlSource } from '../diagnostics/yaml-source.js';
import { rawReferences } from '../config/field-names.js';
import type { LoadedRulesFile } from '../config/load-rules.js';

/**
 * What `validate --online` looks up, collected from the files as written (so every finding has a
 * file:line:col): `raw.<field>` names and the groups and people rules assign to, each with the
 * sources it applies to. Pure: reads files, sends nothing.
 */

export interface Place {
  file: string;
  line: number;
  column: number;
}

/** Which sources a reference applies to: those listed, or every enabled source except those listed. */
export type Applies = { only: readonly string[] } | { except: readonly string[] };

/** A rule's `scope.sources`, or every source. */
function scoped(sources: readonly string[] | undefined): Applies {
  return sources === undefined ? { except: [] } : { only: sources };
}

export interface FieldReference extends Place {
  field: string;
  /**
   * `rule` (a condition that never matches is an error), `skip` (an opt-out that never applies is
   * too), `mapping` (a native field an inbound mapping reads: the ticket field it fills stays empty).
   */
  where: 'rule' | 'skip' | 'mapping';
  /** "rule network" or "skip of source sn". */
  owner: string;
  sources: Applies;
}

export interface NameReference extends Place {
  kind: 'group' | 'person';
  name: string;
  /** "rule network", "rule triage-unassigned (team group Service Desk)". */
  owner: string;
  sources: Applies;
}

export interface References {
  fields: FieldReference[];
  names: NameReference[];
}

/** A config's sources, for their `skip:` conditions and the inbound mappings they use. */
export interface ConfigSources {
  file: string;
  sources: readonly ({ id: string; enabled: boolean; platform: string; skip?: string | undefined } & Readonly<Record<string, unknown>>)[];
  /** The mappings folder (absolute). */
  mappings: string;
}

/** Where a rule names a group or a person, by rule kind: paths under the rule, `*` any list index. */
const NAME_PATHS: readonly (readonly [readonly string[], 'group' | 'person'])[] = [
  [['assign', 'group'], 'group'],
  [['assign', 'assignee'], 'person'],
  [['assign', 'members', '*'], 'person'],
  [['escalations', '*', 'assign', 'group'], 'group'],
  [['escalations', '*', 'assign', 'assignee'], 'person'],
  [['escalations', '*', 'task', 'group'], 'group'],
  [['onFail', 'task', 'group'], 'group'],
];

/** Strategies that always pick from the team file (see RoutingRule.assign.team). */
const TEAM_STRATEGIES: ReadonlySet<string> = new Set(['skill-match', 'on-call']);

export function collectReferences(rulesFiles: readonly LoadedRulesFile[], configs: readonly ConfigSources[], teamFile: string | undefined): References {
  const out: References = { fields: [], names: [] };
  const team = teamFile === undefined ? undefined : yamlOf(teamFile);
  for (const loaded of rulesFiles) {
    if (!loaded.ok) continue;
    const source = yamlOf(loaded.file);
    if (source === undefined) continue;
    seqItems(mapValue(source.doc.contents, 'rules')).forEach((node, index) => {
      const rule = loaded.rules[index];
      if (rule === undefined) return;
      const owner = `rule ${rule.id}`;
      const sources = scoped(rule.scope?.sources);
      for (const { field, offset } of rawReferences(source, node)) {
        out.fields.push({ ...place(source, offset), field, where: 'rule', owner, sources });
      }
      for (const [path, kind] of NAME_PATHS) {
        for (const scalar of scalarsAt(node, path)) {
          out.names.push({ ...place(source, nodeStart(scalar)), kind, name: String(scalar.value), owner, sources });
        }
      }
      const assign = (rule as { assign?: { group?: unknown; team?: unknown; strategy?: unknown } }).assign;
      if (team !== undefined && typeof assign?.group === 'string' && (assign.team === true || TEAM_STRATEGIES.has(String(assign.strategy)))) {
        out.names.push(...teamPeople(team, assign.group, `${owner} (team group ${assign.group})`, sources));
      }
    });
  }
  for (const config of configs) {
    const source = yamlOf(config.file);
    if (source === undefined) continue;
    config.sources.forEach((written, index) => {
      if (written.skip === undefined) return;
      const node = nodeAt(source, ['sources', index, 'skip']);
      for (const { field, offset } of rawReferences(source, node)) {
        out.fields.push({ ...place(source, offset), field, where: 'skip', owner: `skip of source ${written.id}`, sources: { only: [written.id] } });
      }
    });
  }
  out.fields.push(...mappingReferences(configs));
  return out;
}

/**
 * The native fields each source's inbound mapping reads: the first name of every path over its
 * input (the record), as written in the .jsonata file. One reference per place, for every source
 * that uses the file.
 */
function mappingReferences(configs: readonly ConfigSources[]): FieldReference[] {
  const byFile = new Map<string, string[]>();
  for (const config of configs) {
    for (const source of config.sources) {
      const file = path.join(config.mappings, `${mappingName(source)}.inbound.jsonata`);
      byFile.set(file, [...(byFile.get(file) ?? []), source.id]);
    }
  }
  const out: FieldReference[] = [];
  for (const [file, ids] of byFile) {
    const read = readTextFile(file);
    if ('diagnostic' in read) continue;
    let ast: jsonata.ExprNode;
    try {
      ast = jsonata(read.text).ast();
    } catch {
      continue; // a syntax error is the offline check's to report
    }
    const seen = new Set<string>();
    for (const input of expressionNames(ast, read.text).inputPaths) {
      const field = input.names[0];
      const index = input.indexes[0];
      // `undefined` is JSONata's idiom for "no value" (a path to a field nobody has), not a field read.
      if (typeof field !== 'string' || field === '' || field === 'undefined' || index === undefined || seen.has(`${field}@${index}`)) continue;
      seen.add(`${field}@${index}`);
      out.push({ ...textPlace(file, read.text, index), field, where: 'mapping', owner: `inbound mapping ${path.basename(file)}`, sources: { only: ids } });
    }
  }
  return out;
}

function textPlace(file: string, text: string, index: number): Place {
  const before = text.slice(0, index).split('\n');
  return { file, line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

/**
 * The people of a team group as each source names them (`accounts.<source>`, else `name`),
 * positioned at that name in the team file.
 */
function teamPeople(team: YamlSource, group: string, owner: string, sources: Applies): NameReference[] {
  const groupNode = seqItems(mapValue(team.doc.contents, 'groups')).find((item) => stringScalar(mapValue(item, 'name'))?.value === group);
  const members = new Set(seqItems(mapValue(groupNode, 'members')).map((item) => stringScalar(item)?.value));
  const out: NameReference[] = [];
  for (const person of seqItems(mapValue(team.doc.contents, 'people'))) {
    if (!members.has(stringScalar(mapValue(person, 'id'))?.value)) continue;
    const accounts = mapValue(person, 'accounts');
    const accountSources: string[] = [];
    for (const [sourceId, scalar] of scalarEntries(accounts)) {
      if ('only' in sources && !sources.only.includes(sourceId)) continue;
      accountSources.push(sourceId);
      out.push({ ...place(team, nodeStart(scalar)), kind: 'person', name: scalar.value, owner, sources: { only: [sourceId] } });
    }
    const name = stringScalar(mapValue(person, 'name'));
    if (name === undefined) continue;
    // The plain name applies wherever no account overrides it.
    const plain: Applies = 'only' in sources ? { only: sources.only.filter((id) => !accountSources.includes(id)) } : { except: [...sources.except, ...accountSources] };
    out.push({ ...place(team, nodeStart(name)), kind: 'person', name: name.value, owner, sources: plain });
  }
  return out;
}

function scalarEntries(map: unknown): [string, StringScalar][] {
  if (!isMap(map)) return [];
  const out: [string, StringScalar][] = [];
  for (const pair of map.items) {
    const key = stringScalar(pair.key)?.value;
    const value = stringScalar(pair.value);
    if (key !== undefined && value !== undefined) out.push([key, value]);
  }
  return out;
}

function scalarsAt(node: unknown, path: readonly string[]): StringScalar[] {
  const [step, ...rest] = path;
  if (step === undefined) {
    const scalar = stringScalar(node);
    return scalar === undefined || scalar.value === '' ? [] : [scalar];
  }
  if (step === '*') return seqItems(node).flatMap((item) => scalarsAt(item, rest));
  return scalarsAt(mapValue(node, step), rest);
}

function place(source: YamlSource, offset: number): Place {
  const at = positionAt(source, offset);
  return { file: source.file, line: at.line, column: at.column };
}

function yamlOf(file: string): YamlSource | undefined {
  const read = readTextFile(file);
  return 'diagnostic' in read ? undefined : parseYamlSource(file, read.text).source;
}
