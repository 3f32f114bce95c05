import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ServiceNowStore } from '../../src/sandbox/servicenow/index.js';
import { useE2e } from '../helpers/e2e.js';
import { REPO, snapshot, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const RULES = join(REPO, 'test', 'fixtures', 'e2e', 'rules-team');

describe('team-aware routing against the ServiceNow sandbox', () => {
  const e2e = useE2e();

  it('assigns new incidents to whoever is on shift at that hour, and to the group alone at night, saying why', async () => {
    const store = new ServiceNowStore();
    const sandbox = await e2e.serviceNowOn({ store, users: [{ userName: 'deskbridge', password: 'deskbridge' }] });
    // The rules' clock: Monday 23 November 2026 in Lisbon (UTC+0 in winter), New York UTC-5.
    let clock = new Date('2026-11-23T09:30:00Z');
    const { daemon } = e2e.daemon(writeConfig(sandbox.url, { rules: RULES }), { ruleNow: () => clock });
    const raise = (title: string, category = 'inquiry', extra: Record<string, string> = {}): string =>
      store.insert('incident', { short_description: title, category, state: '1', ...extra }, 'caller.one', { inputDisplayValue: true })['number'] ?? '';
    const after = async (number: string) => {
      expect((await daemon.runOnce()).ok).toBe(true);
      return snapshot(sandbox)[number];
    };

    // 09:30 Lisbon: the early shift (Ana, João), in turn.
    const first = raise('Cannot log in to the expenses app');
    expect(await after(first)).toMatchObject({ group: 'Service Desk', assignee: 'Ana Costa' });
    const second = raise('Printer queue stuck');
    const secondState = await after(second);
    expect(secondState).toMatchObject({ group: 'Service Desk', assignee: 'João Pereira' });
    expect(secondState?.notes[0]).toContain('on the early shift until 14:00 Europe/Lisbon');

    // 15:00: the late shift (Rui, Marta).
    clock = new Date('2026-11-23T15:00:00Z');
    const third = raise('Outlook keeps asking for the password');
    expect((await after(third))?.assignee).toMatch(/^(Rui Santos|Marta Silva)$/);

    // 22:30: nobody on shift in Lisbon — the group alone, and the note says why.
    clock = new Date('2026-11-23T22:30:00Z');
    const night = raise('VPN certificate expired');
    const nightState = await after(night);
    expect(nightState).toMatchObject({ group: 'Service Desk', assignee: '' });
    expect(nightState?.notes[0]).toContain('off shift until Tue 2026-11-24 08:00 Europe/Lisbon');

    // A network incident at 10:00 New York time goes to the best network skills among those working.
    clock = new Date('2026-11-23T15:00:00Z');
    const network = raise('Core switch flapping', 'network');
    expect(await after(network)).toMatchObject({ group: 'Network Operations', assignee: 'Dana Whitfield' });

    // 22:00 in New York: a P1 network incident goes to this week's on-call engineer (the rotation
    // started with Dana on 5 January; 46 weekly handoffs later it is Sam's week).
    clock = new Date('2026-11-24T03:00:00Z');
    const p1 = raise('Internet link down at head office', 'network', { impact: '1', urgency: '1' });
    const p1State = await after(p1);
    expect(p1State).toMatchObject({ group: 'Network Operations', assignee: 'Sam Ortiz' });
    expect(p1State?.notes[0]).toMatch(/on call/i);
  });
});
