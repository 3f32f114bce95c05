import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Source } from '../../../src/config/schema.js';
import { loadConfigSet } from '../../../src/daemon/reload.js';
import { formatExplanation } from '../../../src/explain/explain.js';
import { explainWithState, fetchTicketForExplain } from '../../../src/explain/live.js';
import type { PlannedAction } from '../../../src/model/action.js';
import { buildTestTicket } from '../../../src/model/test-ticket.js';
import type { Ticket } from '../../../src/model/ticket.js';
import type { Connector } from '../../../src/platforms/types.js';
import { openSqliteStore, type SqliteStateStore } from '../../../src/state/sqlite/store.js';

/**
 * Explain on objects already open (what a console inside the daemon has): the daemon's compiled
 * set, and its state stores — rules judged on the given store, its writes read from it.
 */
const NOW = new Date('2026-11-23T12:00:00Z');
const REPO = resolve(import.meta.dirname, '../../..');
const RULES = `
rules:
  - id: likely-duplicates
    kind: dedup
    when: status = "new"
    lookBack: { days: 30 }
    suggest: { threshold: 0.3, limit: 3 }
  - id: to-desk
    kind: routing
    when: $not($exists(group))
    assign: { group: Service Desk }
`;
const LIVE_PATH = '/var/lib/deskbridge/state.db';
const DRY_RUN_PATH = '/var/lib/deskbridge/state.dry-run.db';

const dir = mkdtempSync(join(tmpdir(), 'deskbridge-explain-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'rules.yaml'), RULES);
// The daemon's own kind of set, as its reloader holds it.
const set = loadConfigSet(dir, join(REPO, 'mappings'), ['servicenow'], ['sn']);
const source = Source.parse({ id: 'sn', platform: 'servicenow', baseUrl: 'https://example.service-now.com', auth: { type: 'basic', username: 'svc', password: 'secret' } });

function ticket(): Ticket {
  const built = buildTestTicket({ title: 'Outlook crashes opening PDF attachments', status: 'new', createdAt: '2026-11-23T08:00:00Z', updatedAt: NOW.toISOString() }, 'sn');
  if (!built.ok) throw new Error('test ticket does not parse');
  return built.ticket;
}

const NOTE = 'deskbridge: this may describe the same issue as\n1. INC0000001 "Outlook crashes"';

/** A state where likely-duplicates acted on the ticket: its mark, and its note in the outbox. */
async function stateWhereDedupActed(): Promise<SqliteStateStore> {
  const t = ticket();
  const store = openSqliteStore(':memory:', () => NOW);
  const note: PlannedAction = {
    id: 'w1',
    sourceId: 'sn',
    ruleId: 'likely-duplicates',
    target: { ticketKey: t.key, nativeId: t.source.nativeId, number: t.source.number, version: t.version },
    action: { type: 'comment', visibility: 'internal', body: NOTE },
    explanation: '',
  };
  await store.commitBatch({
    sourceId: 'sn',
    watermark: undefined,
    ledger: [],
    tickets: [],
    roundRobin: new Map(),
    actions: [note],
    quarantine: [],
    history: { marks: [{ ruleId: 'likely-duplicates', key: t.key, mark: 'suggested', plan: undefined }], duplicates: [], patternEvents: [], problems: [], members: [] },
  });
  return store;
}

describe('explainWithState: explain on the stores given', () => {
  it('judges the rules on the live store and reads the ticket’s writes from it', async () => {
    const live = await stateWhereDedupActed();
    await live.outbox.markDone('w1', { outcome: 'created', ref: undefined });

    const explanation = await explainWithState(ticket(), set, source, { live, livePath: LIVE_PATH }, NOW, false);

    const [dedup, desk] = explanation.rules;
    // The store's mark makes the dedup rule stand back; its write, read from the same store, says what was done.
    expect(dedup).toMatchObject({
      ruleId: 'likely-duplicates',
      outcome: 'not-applicable',
      traceReason: 'already acted on this ticket',
      reason: 'written: work note: deskbridge: this may describe the same issue as — sent (created)',
      prior: { as: 'written', by: 'likely-duplicates', writes: [{ id: 'w1', status: 'done', outcome: 'created', state: 'sent (created)', written: true }] },
    });
    expect(desk).toMatchObject({ ruleId: 'to-desk', outcome: 'matched', actions: [{ action: { type: 'assign', group: 'Service Desk' } }] });
    expect(explanation.state).toEqual({ mode: 'live', path: LIVE_PATH, writes: [expect.objectContaining({ id: 'w1', ruleId: 'likely-duplicates' })] });
    expect(explanation.dryRun).toBeUndefined();
    await live.close();
  });

  it('a dry-run source is judged on the dry-run store, not the live one', async () => {
    const live = openSqliteStore(':memory:', () => NOW);
    const dryRun = await stateWhereDedupActed();

    const explanation = await explainWithState(ticket(), set, source, { live, livePath: LIVE_PATH, dryRun, dryRunPath: DRY_RUN_PATH }, NOW, true);

    expect(explanation.rules[0]).toMatchObject({
      outcome: 'not-applicable',
      reason: 'planned in a dry run (nothing was written): work note: deskbridge: this may describe the same issue as',
      prior: { as: 'planned-in-dry-run', writes: [{ id: 'w1', state: 'not sent (dry run, still queued)' }] },
    });
    expect(explanation.state).toMatchObject({ mode: 'dry-run', path: DRY_RUN_PATH });
    expect(formatExplanation(explanation)).toContain(`Judged on the dry run's state (${DRY_RUN_PATH}): what it planned was never written.`);
    await Promise.all([live.close(), dryRun.close()]);
  });

  it('a live source on an empty live store hears what the dry-run store planned for the ticket', async () => {
    const live = openSqliteStore(':memory:', () => NOW);
    const dryRun = await stateWhereDedupActed();

    const explanation = await explainWithState(ticket(), set, source, { live, livePath: LIVE_PATH, dryRun, dryRunPath: DRY_RUN_PATH }, NOW, false);

    // Judged on the live store, where nothing was marked: the dedup rule looks for duplicates itself.
    expect(explanation.rules[0]?.reason).not.toContain('already acted');
    expect(explanation.state).toEqual({ mode: 'live', path: LIVE_PATH, writes: [] });
    expect(explanation.dryRun).toEqual({ path: DRY_RUN_PATH, writes: [expect.objectContaining({ id: 'w1', state: 'not sent (dry run, still queued)' })] });
    await Promise.all([live.close(), dryRun.close()]);
  });

  it('without a store to judge on, decides on an empty state and reports none', async () => {
    const explanation = await explainWithState(ticket(), set, source, { live: undefined, livePath: LIVE_PATH }, NOW, false);
    expect(explanation.rules.map((r) => [r.ruleId, r.outcome, r.reason])).toEqual([
      ['likely-duplicates', 'no-match', 'no earlier ticket shares enough with it'],
      ['to-desk', 'matched', expect.any(String)],
    ]);
    expect(explanation.state).toBeUndefined();
  });
});

describe('fetchTicketForExplain', () => {
  const mappings = set.mappings.get('servicenow');
  if (!mappings) throw new Error('no servicenow mappings');
  /** A connector already open, holding one incident (the Table API's record, display values and values). */
  function connector(): { platform: string; asked: { ref: string; fields: readonly string[] }[]; get: Connector['get'] } {
    const fixture = JSON.parse(readFileSync(join(REPO, 'test/fixtures/platforms/servicenow/incident-by-sys-id.json'), 'utf8')) as { result: Record<string, unknown> };
    const record = { ...fixture.result, sys_created_on: { display_value: '2024-05-14 01:00:00', value: '2024-05-14 08:00:00' } };
    const asked: { ref: string; fields: readonly string[] }[] = [];
    return {
      platform: 'servicenow',
      asked,
      get: (ref, fields) => {
        asked.push({ ref, fields });
        return Promise.resolve(ref === 'INC0010232' ? { nativeId: 'e8c7a2b91b6d41109a5de1f2c3b4a511', version: '2', updatedAt: '2024-05-14T10:01:15Z', updatedBy: 'david.loo', raw: record } : null);
      },
    };
  }

  it('asks for the fields the mapping, the rules and skip: read, and maps the record as the daemon would', async () => {
    const skipping = Source.parse({ ...source, skip: 'raw.u_vip = "true"' });
    const c = connector();

    const t = await fetchTicketForExplain(c, skipping, mappings, set.rules, 'INC0010232');

    expect(c.asked).toEqual([{ ref: 'INC0010232', fields: [...new Set([...mappings.inbound.rootFields, ...set.rules.rawFields, 'u_vip'])] }]);
    expect(t).toMatchObject({
      source: { platform: 'servicenow', instance: 'sn', nativeId: 'e8c7a2b91b6d41109a5de1f2c3b4a511', number: 'INC0010232' },
      title: 'VPN drops every 10 minutes from Berlin office',
      status: 'in_progress',
      priority: 2,
      createdAt: '2024-05-14T08:00:00Z',
    });
  });

  it('undefined when the source has no such ticket', async () => {
    expect(await fetchTicketForExplain(connector(), source, mappings, set.rules, 'INC9999999')).toBeUndefined();
  });
});
