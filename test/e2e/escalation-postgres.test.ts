import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/observability/logger.js';
import { adfToText, type StoredComment } from '../../src/sandbox/jira/index.js';
import { openPostgresStore } from '../../src/state/postgres/store.js';
import { useE2e } from '../helpers/e2e.js';
import { writeEscalationConfig } from '../helpers/escalation-env.js';
import { createTestDatabase, dropTestDatabase, testPostgresUrl } from '../helpers/postgres.js';
import { until } from '../helpers/until.js';

/**
 * Escalation with two daemons on one PostgreSQL state, each holding one of the two sources: the
 * copy is opened on Jira by the daemon holding ServiceNow (the escalation is the original's work,
 * sent under its lease), the link is in the shared state, and the comments each daemon reads on
 * its own source reach the other platform once.
 */
const ADMIN_URL = testPostgresUrl('PostgreSQL escalation e2e');

const text = (body: StoredComment['body']): string => (body.kind === 'adf' ? adfToText(body.doc) : body.text);

describe.skipIf(!ADMIN_URL)('escalation with two daemons sharing a PostgreSQL state', () => {
  const e2e = useE2e();
  const daemons: Daemon[] = [];
  let url = '';
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop().catch(() => undefined);
    if (url) await dropTestDatabase(ADMIN_URL ?? '', url);
  });

  it('opens one copy from the daemon holding ServiceNow, records the link in the shared state, and mirrors comments across daemons once', async () => {
    process.env['E2E_SN_PASSWORD'] = 'deskbridge';
    process.env['E2E_JIRA_TOKEN'] = 'deskbridge';
    const snow = await e2e.serviceNow({});
    const jira = await e2e.jira('cloud', {});
    url = await createTestDatabase(ADMIN_URL ?? '');
    const { config, secrets } = loadConfig(writeEscalationConfig(snow, jira, { state: { url, ttlSeconds: 4, heartbeatSeconds: 1 } }));
    for (let i = 0; i < 2; i++) {
      const daemon = await Daemon.open({ config, logger: silentLogger, secrets: [...secrets] });
      daemons.push(daemon);
      await daemon.hold();
    }
    const [a, b] = daemons as [Daemon, Daemon];
    await until(() => a.heldSources()?.length === 1 && b.heldSources()?.length === 1, 'one source each');
    const passBoth = async () => {
      const results = await Promise.all([a.runOnce(), b.runOnce()]);
      expect(results.every((r) => r.ok)).toBe(true);
    };

    const incident = snow.store.insert('incident', { short_description: 'Checkout fails with error 500', description: 'Card payments time out', urgency: '1', impact: '2' }, 'alice');
    await passBoth();
    await passBoth();
    const copies = jira.store.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')));
    expect(copies).toHaveLength(1);
    const copy = copies[0]!;
    const store = await openPostgresStore(url);
    try {
      expect((await store.escalations.list()).map((l) => [l.origin.number, l.copy.number])).toEqual([[incident['number'], copy.key]]);
    } finally {
      await store.close();
    }

    const developer = jira.store.users().find((u) => !u.displayName.toLowerCase().includes('deskbridge'))!;
    jira.store.addComment(copy.id, { body: 'Root cause: the cart service times out' }, developer.accountId);
    snow.store.update('incident', incident['sys_id'] ?? '', { work_notes: '#dev it happens with coupons only' }, 'alice');
    for (let pass = 0; pass < 3; pass++) await passBoth();

    const notes = snow.store.journal(incident['sys_id'] ?? '', 'work_notes').map((j) => j.value);
    expect(notes.filter((n) => n.includes('Root cause: the cart service times out'))).toHaveLength(1);
    expect(notes.filter((n) => n.includes(`Copy: ${copy.key}`))).toHaveLength(1);
    const comments = jira.store.comments(copy.id).map((c) => text(c.body));
    expect(comments.filter((c) => c.includes('it happens with coupons only'))).toHaveLength(1);
    expect(jira.store.list().filter((i) => i.labels.some((l) => l.startsWith('deskbridge-esc-')))).toHaveLength(1);
  }, 60_000);
});
