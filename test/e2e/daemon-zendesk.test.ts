import { describe, expect, it } from 'vitest';
import { useE2e } from '../helpers/e2e.js';
import { expectedZendeskRouting, startSeededZendesk, writeZendeskConfig, zendeskRequests, zendeskSnapshot, zendeskWrites } from '../helpers/zendesk-env.js';

describe('daemon against the Zendesk sandbox (real HTTP, real SQLite)', () => {
  const e2e = useE2e();

  it('assigns every matching ticket once with exactly one private note, and a second pass writes nothing', async () => {
    const sandbox = await startSeededZendesk(e2e);
    const before = zendeskSnapshot(sandbox);
    const expected = expectedZendeskRouting(sandbox);
    const { daemon, lines } = e2e.daemon(writeZendeskConfig(sandbox));

    const first = await daemon.runOnce();
    const after = zendeskSnapshot(sandbox);

    expect(first.ok, lines.filter((l) => l.includes('"error"')).join('\n')).toBe(true);
    expect(expected.size).toBe(10);
    for (const [id, want] of expected) {
      expect(after[id]?.group, String(id)).toBe(want.group);
      expect(after[id]?.notes, String(id)).toHaveLength(1);
      expect(after[id]?.notes[0], String(id)).toMatch(new RegExp(`^internal:.*${want.rule}`));
    }
    for (const id of Object.keys(before).map(Number).filter((k) => !expected.has(k))) expect(after[id], String(id)).toEqual(before[id]);
    const desk = [...expected].filter(([, w]) => w.rule === 'unassigned-to-desk').map(([k]) => after[k]?.assignee);
    expect(new Set(desk)).toEqual(new Set(['Ana Costa', 'Rui Santos', 'João Pereira']));
    console.log(`requests ${zendeskRequests(sandbox)}, writes ${zendeskWrites(sandbox)} for ${expected.size} routed tickets`);
    console.log(sandbox.requestLog.map((r) => `${r.method} ${r.path}${r.query} ${r.status}`).join('\n'));

    sandbox.resetRequestLog();
    const second = await daemon.runOnce();

    expect(second.ok).toBe(true);
    expect(zendeskWrites(sandbox)).toBe(0);
    expect(zendeskSnapshot(sandbox)).toEqual(after);
  });
});
