import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../src/diagnostics/diagnostics.js';
import { validatePaths } from '../../../src/config/validate.js';
import { checkOnline } from '../../../src/online/check.js';
import { ServiceNowStore, seedFixtures, startServiceNowSandbox, type ServiceNowSandbox } from '../../../src/sandbox/servicenow/index.js';
import type { JiraSandbox } from '../../../src/sandbox/jira/index.js';
import { startSeededJira, writeJiraConfig } from '../../helpers/jira-env.js';
import { REPO, writeConfig } from '../../helpers/sandbox-env.js';

/**
 * `validate --online` end to end in-process, against the ServiceNow sandbox over real HTTP: what it
 * finds, how few requests it makes, and what it says when a source cannot be read.
 */
const TYPO_RULES = join(REPO, 'test', 'fixtures', 'online', 'rules-typo');
let sandbox: ServiceNowSandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(): Promise<ServiceNowSandbox> {
  const store = new ServiceNowStore();
  seedFixtures(store);
  // A custom column the admin created on incident.
  store.insert('incident', { short_description: 'VPN drops every few minutes', u_symptom: 'vpn' });
  sandbox = await startServiceNowSandbox({ store });
  return sandbox;
}

async function online(config: string, password = 'deskbridge'): Promise<{ lines: string[]; diagnostics: string[]; requests: number; failed: boolean }> {
  const validated = validatePaths([config], { env: { E2E_SN_PASSWORD: password } });
  const report = await checkOnline(validated);
  return { lines: report.lines, diagnostics: report.diagnostics.map(formatDiagnostic), requests: report.requests, failed: report.failed };
}

describe('validate --online against the ServiceNow sandbox', () => {
  it('finds the misspelled native field and the missing group, in five GET requests', async () => {
    const sn = await start();
    const report = await online(writeConfig(sn.url, { rules: TYPO_RULES }));

    expect(report.diagnostics).toEqual([
      expect.stringMatching(
        /routing\.yaml:6:15 error unknown-native-field: raw\.u_symptm in rule vpn-symptom is not a field of source sandbox-snow \(sys_dictionary of incident \(extends task\)\); did you mean raw\.u_symptom\?/,
      ),
      expect.stringMatching(
        /routing\.yaml:14:14 error unknown-group: Assignment group "Service Dsk" in rule triage was not found on source sandbox-snow \(sys_user_group\); did you mean "Service Desk"\?/,
      ),
    ]);
    expect(report.lines).toEqual([
      expect.stringMatching(
        /^online: source sandbox-snow \(servicenow\): \d+ native fields against sys_dictionary of incident \(extends task\) \(\d+ fields\); 2 groups in sys_user_group \(5 GET requests\)$/,
      ),
    ]);
    expect(report.requests).toBe(5);
    expect(sn.requestLog.every((entry) => entry.method === 'GET')).toBe(true);
  });

  it('names the source, the request and what to do when the credentials are refused, at the source in the config', async () => {
    const sn = await start();
    const config = writeConfig(sn.url, { rules: TYPO_RULES });
    const report = await online(config, 'wrong');

    const line =
      readFileSync(config, 'utf8')
        .split('\n')
        .findIndex((text) => text.includes('id: sandbox-snow')) + 1;
    expect(report.diagnostics).toEqual([
      expect.stringMatching(
        new RegExp(
          `deskbridge\\.yaml:${line}:9 error online-check-failed: validate --online could not read the field dictionary of source sandbox-snow \\(GET /api/now/table/sys_db_object and /api/now/table/sys_dictionary\\): ServiceNow rejected the credentials for source sandbox-snow`,
        ),
      ),
    ]);
    // One refused request is enough: the next would be refused too.
    expect(sn.requestLog).toHaveLength(1);
  });

  it('says which source it could not reach', async () => {
    const sn = await start();
    const url = sn.url;
    await sn.close();
    sandbox = undefined;
    const report = await online(writeConfig(url, { rules: TYPO_RULES }));

    expect(report.diagnostics).toEqual([
      expect.stringMatching(
        /error online-check-failed: validate --online could not read the field dictionary of source sandbox-snow \(GET \/api\/now\/table\/sys_db_object and \/api\/now\/table\/sys_dictionary\): Could not reach ServiceNow for source sandbox-snow/,
      ),
    ]);
    expect(report.lines[0]).toContain('the field dictionary: not checked');
  });

  it('says so when no source is configured', async () => {
    const report = await checkOnline(validatePaths([TYPO_RULES]));

    expect(report).toMatchObject({ failed: true, lines: [expect.stringContaining('online: nothing checked: no valid config with sources:') as unknown], requests: 0 });
  });

  it('leaves disabled sources alone', async () => {
    const sn = await start();
    const config = writeConfig(sn.url, { rules: TYPO_RULES });
    writeFileSync(config, readFileSync(config, 'utf8').replace('    platform: servicenow', '    platform: servicenow\n    enabled: false'));

    const report = await online(config);

    expect(report).toMatchObject({ failed: true, requests: 0, lines: ['online: nothing checked: every source has enabled: false'] });
    expect(sn.requestLog).toEqual([]);
  });
});

describe.each(['cloud', 'datacenter'] as const)('validate --online against the Jira %s sandbox', (flavour) => {
  let jira: JiraSandbox | undefined;
  afterEach(async () => {
    await jira?.close();
    jira = undefined;
  });

  it('reads the field list once, and finds every field the shipped inbound mapping reads', async () => {
    jira = await startSeededJira(flavour);
    const config = writeJiraConfig(jira);
    const report = await checkOnline(validatePaths([config], { env: { E2E_JIRA_TOKEN: 'deskbridge' } }));

    expect(report.diagnostics.map(formatDiagnostic).filter((line) => line.includes('unknown-native-field'))).toEqual([]);
    expect(report.lines[0]).toMatch(new RegExp(`^online: source sandbox-jira \\(jira\\): \\d+ native fields against the Jira ${flavour === 'cloud' ? 'Cloud' : 'Data Center'} field list`));
    expect(jira.requestLog.filter((entry) => entry.path.endsWith('/field'))).toHaveLength(1);
    expect(jira.requestLog.every((entry) => entry.method === 'GET')).toBe(true);
  });
});
