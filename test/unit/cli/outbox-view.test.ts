import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.js';
import type { DaemonConfig } from '../../../src/config/schema.js';
import { currentModes, selectStates } from '../../../src/cli/inspect.js';
import { outboxEntryJson, outboxListHeading, outboxListLine, outboxShowLines, preview } from '../../../src/cli/outbox-view.js';
import type { Action } from '../../../src/model/action.js';
import type { OutboxEntry } from '../../../src/state/types.js';
import { configFixture } from '../../integration/config/fixtures.js';

const NOTE = 'Routed to Network Operations by network-to-netops.\nWhy: category is Network.\nReply here if this is wrong.';

function entry(action: Action, extra: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    id: '3c95a29f85596a3f5636f48cf34810a2',
    seq: 1,
    sourceId: 'snow-prod',
    ticketKey: 'servicenow:snow-prod:abc',
    ruleId: 'network-to-netops',
    planned: {
      id: '3c95a29f85596a3f5636f48cf34810a2',
      sourceId: 'snow-prod',
      ruleId: 'network-to-netops',
      target: { ticketKey: 'servicenow:snow-prod:abc', nativeId: 'abc', number: 'INC0010008', version: '4' },
      action,
      explanation: 'category = "Network" matched\nno group set',
    },
    status: 'done',
    attempts: 1,
    nextAttemptAt: '2026-12-05T08:00:00.000Z',
    lastError: undefined,
    outcome: 'created',
    ref: 'abc',
    createdAt: '2026-12-05T08:00:00.000Z',
    updatedAt: '2026-12-05T08:00:01.000Z',
    ...extra,
  };
}

const note = entry({ type: 'comment', visibility: 'internal', body: NOTE });
const assign = entry({ type: 'assign', group: 'Network Operations' }, { outcome: 'updated' });

describe('outbox list rows', () => {
  it('shows a note by its first line and says how to read the rest', () => {
    const line = outboxListLine(note, 'live');

    expect(line).toBe(
      '3c95a29f8559  done    snow-prod  INC0010008  network-to-netops  work note: Routed to Network Operations by network-to-netops. … [+2 more line(s): deskbridge outbox show 3c95a29f8559] (created)  attempts=1',
    );
    expect(line).not.toContain('Why: category');
  });

  it('adds nothing to writes whose summary is the whole write', () => {
    expect(preview(assign)).toBe('assign to Network Operations');
    expect(preview(entry({ type: 'comment', visibility: 'public', body: 'One line only.' }))).toBe('public comment: One line only.');
  });

  it("points to a problem's description, which the summary leaves out", () => {
    const problem = entry({ type: 'create-problem', correlationKey: 'k', title: 'VPN drops', description: '12 incidents since Monday' });

    expect(preview(problem)).toBe('create problem "VPN drops" … [+problem description: deskbridge outbox show 3c95a29f8559]');
  });

  it('marks dry-run rows "would have", without attempts or outcome: nothing was sent', () => {
    const planned = entry({ type: 'assign', group: 'Network Operations' }, { outcome: 'dry-run', attempts: 0, ref: undefined });

    expect(outboxListLine(planned, 'dry-run')).toBe('3c95a29f8559  would have snow-prod  INC0010008  network-to-netops  assign to Network Operations');
    expect(outboxListHeading('dry-run', '/var/lib/state.dry-run.db')).toBe('dry-run outbox (/var/lib/state.dry-run.db) — planned, nothing sent:');
    expect(outboxListHeading('live', '/var/lib/state.db')).toBe('live outbox (/var/lib/state.db):');
  });

  it('keeps the reason or error of a live row', () => {
    const dead = entry({ type: 'assign', group: 'X' }, { status: 'dead', outcome: undefined, lastError: 'ServiceNow refused PATCH (403)' });

    expect(outboxListLine(dead, 'live')).toMatch(/ dead {4}.*attempts=1 {2}error: ServiceNow refused PATCH \(403\)$/);
  });
});

describe('outbox show', () => {
  it('prints the whole write: mode, ticket, rule, action, status, attempts, explanation and the whole note', () => {
    const lines = outboxShowLines(note, 'live', '/var/lib/state.db');

    expect(lines).toEqual([
      'outbox entry 3c95a29f85596a3f5636f48cf34810a2',
      'mode:        live: written to the platform (or waiting to be)',
      'state file:  /var/lib/state.db',
      'source:      snow-prod',
      'ticket:      INC0010008 (native id abc, planned from version 4)',
      'rule:        network-to-netops',
      'action:      comment — work note: Routed to Network Operations by network-to-netops.',
      'status:      done (created)',
      'attempts:    1',
      'written as:  abc',
      'planned at:  2026-12-05T08:00:00.000Z',
      'updated at:  2026-12-05T08:00:01.000Z',
      'explanation:',
      '  category = "Network" matched',
      '  no group set',
      'work note (whole text):',
      '  Routed to Network Operations by network-to-netops.',
      '  Why: category is Network.',
      '  Reply here if this is wrong.',
    ]);
  });

  it('says a dry-run write was never sent, and when a pending one is tried next', () => {
    const planned = outboxShowLines(entry({ type: 'assign', group: 'G' }, { outcome: 'dry-run', ref: undefined }), 'dry-run', 's.dry-run.db');
    const waiting = outboxShowLines(entry({ type: 'assign', group: 'G' }, { status: 'pending', lastError: '503 from the platform' }), 'live', 's.db');

    expect(planned).toContain('mode:        dry-run: planned in a dry run, never sent to the platform');
    expect(planned).toContain('status:      done (dry run: not sent)');
    expect(waiting).toContain('status:      pending, next attempt at 2026-12-05T08:00:00.000Z');
    expect(waiting).toContain('error:       503 from the platform');
  });
});

describe('outbox --json', () => {
  it('carries the mode, the full action and the whole note text', () => {
    const json = outboxEntryJson(note, 'dry-run');

    expect(json).toMatchObject({
      id: note.id,
      mode: 'dry-run',
      status: 'done',
      ruleId: 'network-to-netops',
      ticket: { number: 'INC0010008', nativeId: 'abc' },
      action: { type: 'comment', visibility: 'internal', body: NOTE },
      text: NOTE,
      explanation: note.planned.explanation,
      attempts: 1,
      error: null,
      nextAttemptAt: null,
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('which state files a list shows', () => {
  const base = loadConfig(configFixture('valid.yaml'), { SN_PASSWORD: 'pw-for-tests' }).config;
  const withModes = (dryRun: boolean, perSource: (boolean | undefined)[]): DaemonConfig => {
    const [source] = base.sources;
    if (!source) throw new Error('fixture has a source');
    return {
      ...base,
      dryRun,
      sources: perSource.map((d, i) => ({ ...source, id: `s${i}`, ...(d === undefined ? {} : { dryRun: d }) })),
    };
  };

  it('shows the mode the sources run in now, the other as a hint', () => {
    const live = selectStates(withModes(false, [undefined]), {});
    const dry = selectStates(withModes(true, [undefined]), {});

    expect(live.shown.map((f) => f.mode)).toEqual(['live']);
    expect(live.other.map((f) => f.mode)).toEqual(['dry-run']);
    expect(live.other[0]?.path).toMatch(/deskbridge\.dry-run\.db$/);
    expect(dry.shown.map((f) => f.mode)).toEqual(['dry-run']);
  });

  it('shows both when some sources are dry-run and some live, and obeys --live / --dry-run', () => {
    const mixed = withModes(false, [undefined, true]);

    expect(currentModes(mixed)).toEqual(['live', 'dry-run']);
    expect(selectStates(mixed, {}).shown.map((f) => f.mode)).toEqual(['live', 'dry-run']);
    expect(selectStates(mixed, { dryRun: true }).shown.map((f) => f.mode)).toEqual(['dry-run']);
    expect(selectStates(withModes(true, [undefined]), { live: true }).shown.map((f) => f.mode)).toEqual(['live']);
  });
});
