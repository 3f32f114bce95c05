import { describe, expect, it } from 'vitest';
import { rulesFileJsonSchema, type JsonSchema } from '../../../src/config/json-schema.js';

const schema = rulesFileJsonSchema();

function branches(node: JsonSchema | undefined): JsonSchema[] {
  return ((node?.oneOf ?? node?.anyOf ?? []) as unknown[]).filter((b): b is JsonSchema => typeof b === 'object' && b !== null);
}

function child(node: JsonSchema | undefined, key: string): JsonSchema {
  const found = node?.properties?.[key];
  if (typeof found !== 'object') throw new Error(`no property ${key}`);
  return found;
}

function items(node: JsonSchema): JsonSchema {
  if (typeof node.items !== 'object' || Array.isArray(node.items)) throw new Error('no single items schema');
  return node.items;
}

/** Every property under `node`, as dotted paths, with its description (undefined when it has none). */
function describedKeys(node: JsonSchema, at = ''): [string, string | undefined][] {
  const inner = node.type === 'array' && typeof node.items === 'object' ? items(node) : node;
  return Object.entries(inner.properties ?? {}).flatMap(([key, sub]) => {
    if (typeof sub !== 'object') return [];
    const where = at === '' ? key : `${at}.${key}`;
    return [[where, sub.description] as [string, string | undefined], ...describedKeys(sub, where)];
  });
}

const escalate = branches(items(child(schema, 'rules'))).find((rule) => child(rule, 'kind').const === 'escalate');

describe('rules schema: the escalate rule and linked tests', () => {
  it('describes every key of the escalate rule (kind, a constant, aside)', () => {
    if (escalate === undefined) throw new Error('no escalate branch');
    const keys = describedKeys(escalate).filter(([key]) => key !== 'kind');

    expect(keys.map(([key]) => key)).toEqual(
      expect.arrayContaining([
        'to',
        'copy.container',
        'copy.issueType',
        'copy.title',
        'copy.description',
        'copy.priority',
        'copy.labels',
        'note.body',
        'sync.comments.fromOriginal',
        'sync.comments.fromCopy',
        'sync.comments.tag',
        'sync.comments.toOriginal',
        'sync.comments.toCopy',
        'sync.comments.body',
        'sync.copyResolved.body',
        'sync.copyResolved.set',
        'sync.originalClosed.body',
        'sync.originalClosed.set',
      ]),
    );
    expect(keys.filter(([, description]) => description === undefined || description === '')).toEqual([]);
    expect(child(child(escalate, 'copy'), 'priority').description).toMatch(/1 \(critical\) … 5/);
    expect(escalate.description).toMatch(/linked copy/);
  });

  it('describes every key of a test’s linked escalation and its comments', () => {
    const linked = child(items(child(schema, 'tests')), 'linked');
    const keys = describedKeys(linked);

    expect(keys.map(([key]) => key)).toEqual([
      'as',
      'rule',
      'other',
      'other.source',
      'other.number',
      'other.nativeId',
      'other.pulled',
      'other.status',
      'escalatedAt',
      'previousStatus',
      'ownWrite',
      'comments',
      'comments.author',
      'comments.at',
      'comments.body',
      'comments.visibility',
      'comments.own',
    ]);
    expect(keys.filter(([, description]) => description === undefined || description === '')).toEqual([]);
    expect(linked.description).toMatch(/on: <other\.number>/);
  });

  it('offers escalate and announce-escalation as expected actions, and on: for a set-field', () => {
    const [withActions] = branches(child(items(child(schema, 'tests')), 'expect'));
    const expected = branches(items(child(withActions, 'actions')));
    const byType = new Map(expected.map((branch) => [child(branch, 'type').const, Object.keys(branch.properties ?? {})]));

    expect(byType.get('escalate')).toEqual(['type', 'to', 'title', 'titleContains', 'priority', 'rule']);
    expect(byType.get('announce-escalation')).toEqual(['type', 'to', 'body', 'bodyContains', 'rule']);
    expect(byType.get('set-field')).toContain('on');
  });
});
