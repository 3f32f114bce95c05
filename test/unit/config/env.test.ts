import { describe, expect, it } from 'vitest';
import { interpolateEnv, interpolateString } from '../../../src/config/env.js';
import { parseYamlSource } from '../../../src/diagnostics/yaml-source.js';

const env = { SN_PASSWORD: 'hunter2', EMPTY: '', HOST: 'example.service-now.com' };

describe('interpolateString', () => {
  it.each([
    ['${SN_PASSWORD}', 'hunter2'],
    ['https://${HOST}/api', 'https://example.service-now.com/api'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${SN_PASSWORD:-fallback}', 'hunter2'],
    ['${UNSET:-}', ''],
    ['$${SN_PASSWORD}', '${SN_PASSWORD}'],
    ['pa$$word$', 'pa$$word$'],
    ['${EMPTY}', ''],
  ])('expands %s to %j', (input, expected) => {
    expect(interpolateString(input, env).value).toBe(expected);
  });

  it('reports a missing variable at the index of its ${', () => {
    const result = interpolateString('pw-${UNSET}', env);

    expect(result.problems).toEqual([{ kind: 'missing', index: 3, name: 'UNSET' }]);
  });

  it('reports malformed references instead of guessing', () => {
    expect(interpolateString('${not valid}', env).problems).toEqual([{ kind: 'malformed', index: 0, name: '' }]);
    expect(interpolateString('abc ${UNCLOSED', env).problems).toEqual([{ kind: 'malformed', index: 4, name: '' }]);
  });

  it('returns values taken from the environment but not defaults', () => {
    expect(interpolateString('${SN_PASSWORD}/${UNSET:-default}', env).used).toEqual(['hunter2']);
  });
});

describe('interpolateEnv', () => {
  it('replaces values in the document and returns the substituted secrets', () => {
    const { source } = parseYamlSource('c.yaml', 'auth:\n  password: ${SN_PASSWORD}\n  user: "${UNSET:-bot}"\n');

    const result = interpolateEnv(source, env);

    expect(result.diagnostics).toEqual([]);
    expect(result.secrets).toEqual(['hunter2']);
    expect(source.doc.toJS()).toEqual({ auth: { password: 'hunter2', user: 'bot' } });
  });

  it('does not redact what identifies rather than authenticates: account names and instance addresses', () => {
    const yaml = 'baseUrl: https://${HOST}\nauth:\n  username: ${BOT}\n  password: ${SN_PASSWORD}\nintegrationUser: ${BOT}\n';
    const { source } = parseYamlSource('c.yaml', yaml);

    const result = interpolateEnv(source, { ...env, BOT: 'deskbridge' });

    expect(result.secrets).toEqual(['hunter2']);
  });

  it('keeps redacting an address that carries credentials and any key it does not know', () => {
    const yaml = 'url: https://bot:${SN_PASSWORD}@${HOST}/\nextra: ${BOT}\n';
    const { source } = parseYamlSource('c.yaml', yaml);

    const result = interpolateEnv(source, { ...env, BOT: 'deskbridge' });

    expect(result.secrets.sort()).toEqual(['deskbridge', 'example.service-now.com', 'hunter2']);
  });

  it('leaves map keys alone', () => {
    const { source } = parseYamlSource('c.yaml', '${SN_PASSWORD}: value\n');

    interpolateEnv(source, env);

    expect(source.doc.toJS()).toEqual({ '${SN_PASSWORD}': 'value' });
  });

  it.each([
    ['plain scalar', 'a:\n  b: x-${UNSET}\n', 2, 8],
    ['double-quoted scalar with an escape before it', 'a: "\\t${UNSET}"\n', 1, 7],
    ['single-quoted scalar', "a: 'it''s ${UNSET}'\n", 1, 11],
    ['block scalar', 'a: |\n  first\n    ${UNSET}\n', 3, 5],
  ])('positions env-missing at the ${ in a %s', (_name, yaml, line, column) => {
    const { source } = parseYamlSource('c.yaml', yaml);

    const [diagnostic] = interpolateEnv(source, env).diagnostics;

    expect(diagnostic).toMatchObject({ file: 'c.yaml', line, column, code: 'env-missing', severity: 'error' });
  });
});
