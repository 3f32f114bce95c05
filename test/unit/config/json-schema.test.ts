import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../src/diagnostics/diagnostics.js';
import { daemonConfigJsonSchema, ENV_REFERENCE_PATTERN, renderJsonSchema, rulesFileJsonSchema, SCHEMA_FILES } from '../../../src/config/json-schema.js';
import type { JsonSchema } from '../../../src/config/json-schema.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { Source } from '../../../src/config/schema.js';
import { Rule } from '../../../src/engine/kinds.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (relative: string): string => readFileSync(path.join(ROOT, relative), 'utf8');

const daemonSchema = daemonConfigJsonSchema();
const rulesSchema = rulesFileJsonSchema();

/** Schema of a property, failing the test when it is not there. */
function prop(schema: JsonSchema | undefined, name: string): JsonSchema {
  const child = schema?.properties?.[name];
  if (typeof child !== 'object') throw new Error(`no property ${name}`);
  return child;
}

function branches(schema: JsonSchema | undefined): JsonSchema[] {
  return ((schema?.oneOf ?? schema?.anyOf ?? []) as unknown[]).filter((b): b is JsonSchema => typeof b === 'object' && b !== null);
}

function items(schema: JsonSchema): JsonSchema {
  if (typeof schema.items !== 'object' || Array.isArray(schema.items)) throw new Error('no single items schema');
  return schema.items;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Keys of `value` the schema does not declare, as dotted paths. Only follows structure (properties,
 * items, records, unions picked by their `const` discriminators) — it is not a validator.
 */
function unknownKeys(value: unknown, schema: JsonSchema, at = ''): string[] {
  const options = branches(schema);
  if (options.length > 0) {
    const fitting = options.filter((branch) =>
      Object.entries(branch.properties ?? {}).every(([key, sub]) => typeof sub !== 'object' || sub.const === undefined || !isRecord(value) || value[key] === sub.const),
    );
    const results = (fitting.length > 0 ? fitting : options).map((branch) => unknownKeys(value, branch, at));
    return results.reduce((best, r) => (r.length < best.length ? r : best));
  }
  if (Array.isArray(value)) return typeof schema.items === 'object' ? value.flatMap((item, i) => unknownKeys(item, items(schema), `${at}[${i}]`)) : [];
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const where = at === '' ? key : `${at}.${key}`;
    const declared = schema.properties?.[key];
    if (typeof declared === 'object') return unknownKeys(child, declared, where);
    if (typeof schema.additionalProperties === 'object') return unknownKeys(child, schema.additionalProperties, where);
    return schema.additionalProperties === false ? [where] : [];
  });
}

describe('generated JSON Schemas', () => {
  it.each(SCHEMA_FILES.map((f) => [f.path, f] as const))('%s is up to date (run `npm run schemas`)', (file, { build }) => {
    expect(read(file)).toBe(renderJsonSchema(build()));
  });

  it('are draft-07 documents with a stable $id and a title, for the YAML language server', () => {
    for (const [schema, id] of [
      [daemonSchema, 'https://deskbridge.dev/schemas/deskbridge.schema.json'],
      [rulesSchema, 'https://deskbridge.dev/schemas/rules.schema.json'],
    ] as const) {
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(schema.$id).toBe(id);
      expect(schema.title).toEqual(expect.any(String));
      expect(schema.additionalProperties).toBe(false);
    }
  });

  it('requires sources and nothing that has a default', () => {
    expect(daemonSchema.required).toEqual(['sources']);
    expect(prop(daemonSchema, 'sources').minItems).toBe(1);
    expect(prop(daemonSchema, 'dryRun').default).toBe(false);
    expect(prop(daemonSchema, 'state').default).toEqual({});
  });

  it('tells sources apart by platform and auth blocks by type, each branch closed to unknown keys', () => {
    const sources = branches(items(prop(daemonSchema, 'sources')));

    expect(sources.map((s) => prop(s, 'platform').const)).toEqual(Source.options.map((o) => o.shape.platform.value));
    for (const source of sources) {
      expect(source.additionalProperties).toBe(false);
      expect(source.required).toEqual(expect.arrayContaining(['id', 'platform', 'baseUrl', 'auth']));
      expect(source.required).not.toContain('schedule');
      for (const auth of branches(prop(source, 'auth'))) {
        expect(prop(auth, 'type').const).toEqual(expect.any(String));
        expect(auth.additionalProperties).toBe(false);
      }
    }
    const [servicenow, jira] = sources;
    expect(branches(prop(servicenow, 'auth')).map((a) => prop(a, 'type').const)).toEqual(['basic', 'oauth']);
    expect(branches(prop(jira, 'auth')).map((a) => prop(a, 'type').const)).toEqual(['basic', 'bearer']);
  });

  it('discriminates rules by kind, one branch per rule kind', () => {
    const rules = branches(items(prop(rulesSchema, 'rules')));

    expect(rules.map((r) => prop(r, 'kind').const)).toEqual(Rule.options.map((o) => o.shape.kind.value));
    for (const rule of rules) expect(rule.additionalProperties).toBe(false);
    expect(rulesSchema.required).toEqual(['rules']);
  });

  it('carries the schema descriptions and the TSDoc of the fields', () => {
    const [servicenow] = branches(items(prop(daemonSchema, 'sources')));

    expect(prop(servicenow, 'schedule').description).toMatch(/node-cron/);
    expect(prop(servicenow, 'query').description).toMatch(/encoded query/);
    expect(prop(items(prop(rulesSchema, 'tests')), 'ticket').description).toMatch(/canonical fields/);
  });

  it('lets constrained string fields hold ${ENV} references in deskbridge.yaml but not in rules files', () => {
    const [servicenow] = branches(items(prop(daemonSchema, 'sources')));
    const reference = new RegExp(ENV_REFERENCE_PATTERN);

    expect(branches(prop(servicenow, 'baseUrl')).map((b) => b.format ?? b.pattern)).toEqual(['uri', ENV_REFERENCE_PATTERN]);
    expect(prop(prop(daemonSchema, 'log'), 'level').default).toBe('info');
    expect(prop(servicenow, 'platform').const).toBe('servicenow');
    expect(prop(servicenow, 'pageSize').type).toBe('integer');
    for (const text of ['${SN_URL}', 'https://${SN_HOST}/', '${LOG_LEVEL:-info}']) expect(text).toMatch(reference);
    for (const text of ['https://example.com', '$SN_URL', '${not valid}']) expect(text).not.toMatch(reference);
    expect(JSON.stringify(rulesSchema)).not.toContain(JSON.stringify(ENV_REFERENCE_PATTERN));
  });
});

describe('files the schemas describe', () => {
  it('rules/routing.yaml points editors at the rules schema and uses only keys it declares', () => {
    const text = read('rules/routing.yaml');

    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/rules.schema.json');
    expect(unknownKeys(parse(text), rulesSchema)).toEqual([]);
  });

  it('the key walk finds a misspelt key, so a clean walk means something', () => {
    const file = parse(read('rules/routing.yaml')) as { rules: Record<string, unknown>[] };
    const first = file.rules[0];
    if (first === undefined) throw new Error('routing.yaml has no rules');
    first['asign'] = first['assign'];

    expect(unknownKeys(file, rulesSchema)).toEqual(['rules[0].asign']);
    expect(unknownKeys({ sources: [], colour: 'blue' }, daemonSchema)).toEqual(['colour']);
  });

  it('deskbridge.example.yaml points editors at the config schema and uses only keys it declares', () => {
    const text = read('deskbridge.example.yaml');

    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schemas/deskbridge.schema.json');
    expect(unknownKeys(parse(text), daemonSchema)).toEqual([]);
  });

  it('deskbridge.example.yaml loads through the real loader once its variables are set', () => {
    const { config, diagnostics } = loadConfig(path.join(ROOT, 'deskbridge.example.yaml'), {
      SN_PASSWORD: 'sn-secret',
      JIRA_API_TOKEN: 'jira-token',
    });

    expect(diagnostics).toEqual([]);
    expect(config.sources.map((s) => [s.id, s.platform, s.auth.type])).toEqual([
      ['snow-prod', 'servicenow', 'basic'],
      ['jira-itsm', 'jira', 'basic'],
    ]);
  });

  it('deskbridge.example.yaml needs SN_PASSWORD and JIRA_API_TOKEN', () => {
    expect(() => loadConfig(path.join(ROOT, 'deskbridge.example.yaml'), {})).toThrow(/SN_PASSWORD[\s\S]*JIRA_API_TOKEN/);
  });
});

describe('${ENV} in number fields', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('is rejected by the loader too, so the schema keeps numbers typed', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'deskbridge-json-schema-'));
    const file = path.join(dir, 'deskbridge.yaml');
    writeFileSync(
      file,
      [
        'sources:',
        '  - id: snow',
        '    platform: servicenow',
        '    baseUrl: https://example.service-now.com',
        '    auth: { type: basic, username: u, password: p }',
        '    pageSize: ${PAGE_SIZE}',
        '',
      ].join('\n'),
    );

    expect(() => loadConfig(file, { PAGE_SIZE: '100' })).toThrow(ConfigError);
  });
});
