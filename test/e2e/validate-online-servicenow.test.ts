import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceNowStore, seedFixtures } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, writeConfig } from '../helpers/sandbox-env.js';

const e2e = useE2e();

/** The sandbox fixtures, plus a custom column the admin created on incident. */
function store(): ServiceNowStore {
  const seeded = new ServiceNowStore();
  seedFixtures(seeded);
  seeded.insert('incident', { short_description: 'VPN drops every few minutes', u_symptom: 'vpn' });
  return seeded;
}

describe('deskbridge validate --online (CLI, ServiceNow sandbox)', () => {
  it('exits 1 with positioned lines for a misspelled native field and a group nobody created, each with a suggestion', async () => {
    const sandbox = await e2e.serviceNowOn({ store: store() });
    const config = writeConfig(sandbox.url, { rules: join(REPO, 'test', 'fixtures', 'online', 'rules-typo') });

    const result = await e2e.cli(['validate', '--online', config], { env: { E2E_SN_PASSWORD: 'deskbridge' } });

    expect(result.stdout).toMatch(
      /^online: source sandbox-snow \(servicenow\): \d+ native fields against sys_dictionary of incident \(extends task\) \(\d+ fields\); 2 groups in sys_user_group \(5 GET requests\)$/m,
    );
    const problems = result.stdout.split('\n').filter((line) => / (error|warning) /.test(line));
    expect(problems).toEqual([
      expect.stringMatching(
        /^test\/fixtures\/online\/rules-typo\/routing\.yaml:6:15 error unknown-native-field: raw\.u_symptm in rule vpn-symptom is not a field of source sandbox-snow .*; did you mean raw\.u_symptom\?/,
      ),
      expect.stringMatching(
        /^test\/fixtures\/online\/rules-typo\/routing\.yaml:14:14 error unknown-group: Assignment group "Service Dsk" in rule triage was not found on source sandbox-snow \(sys_user_group\); did you mean "Service Desk"\? \(hint: create the group on the platform/,
      ),
    ]);
    expect(result.stdout).toMatch(/files? checked: 2 errors, 0 warnings$/m);
    expect(result.code).toBe(1);
    expect(sandbox.requestLog.every((entry) => entry.method === 'GET')).toBe(true);
  });

  it('exits 0 with no problems when every field, group and person exists', async () => {
    const sandbox = await e2e.serviceNowOn({ store: store() });
    const config = writeConfig(sandbox.url, { rules: join(REPO, 'test', 'fixtures', 'online', 'rules-ok') });

    const result = await e2e.cli(['validate', '--online', config], { env: { E2E_SN_PASSWORD: 'deskbridge' } });

    expect(result.stdout).toMatch(
      /^online: source sandbox-snow \(servicenow\): \d+ native fields against .*; 2 groups in sys_user_group; 1 person in sys_user \(name or user_name\) \(5 GET requests\)$/m,
    );
    expect(result.stdout).toMatch(/checked, no problems found$/m);
    expect(result.code).toBe(0);
  });
});
