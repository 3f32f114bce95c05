import { describe, expect, it } from 'vitest';
import { plainText } from '../../../src/engine/dedup/resolved.js';
import { DedupRule } from '../../../src/engine/dedup/schema.js';
import { compileRuleSet } from '../../../src/engine/rule-set.js';
import type { Decision } from '../../../src/engine/types.js';
import type { Ticket } from '../../../src/model/ticket.js';
import { HistoryDesk } from '../../helpers/history-desk.js';
import { makeTicket } from '../../helpers/tickets.js';

const rule = (overrides: Record<string, unknown> = {}) => DedupRule.parse({ id: 'dups', kind: 'dedup', when: 'true', suggest: { threshold: 1 }, resolved: { threshold: 0.3 }, ...overrides });

/** A history desk that can also see an earlier ticket resolved. */
class Desk extends HistoryDesk {
  /** The ticket as the earlier one was when the daemon last pulled it. */
  async resolved(id: string, createdAt: string, resolvedAt: string, resolution: Ticket['resolution'], extra: Partial<Ticket> = {}): Promise<void> {
    await this.see(vpn(id, createdAt, { status: 'resolved', version: '2', updatedAt: resolvedAt, resolvedAt, resolution, ...extra }));
  }
}

const vpn = (id: string, createdAt: string, extra: Partial<Ticket> = {}) =>
  makeTicket({ id, createdAt, updatedAt: createdAt, title: 'VPN client disconnects every few minutes', description: 'Cisco AnyConnect drops the tunnel on the office wifi', ...extra });
const other = (id: string, createdAt: string) => makeTicket({ id, createdAt, updatedAt: createdAt, title: 'Printer on the 2nd floor jams', description: 'paper tray 2' });
const body = (decisions: readonly Decision[]): string => {
  const action = decisions[0]?.action;
  return action && 'body' in action ? action.body : '';
};
const fix = { code: 'Solved (Permanently)', notes: 'Rolled AnyConnect back to 4.10; the 5.0 client drops on WPA3.' };

describe('dedup rules listing resolved look-alikes (resolved)', () => {
  it('lists an earlier look-alike resolved before the ticket was reported, with its resolution', async () => {
    const desk = new Desk(compileRuleSet([rule()]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', fix);
    await desk.see(other('p', '2026-11-02T10:00:00Z'));
    const decisions = await desk.see(vpn('b', '2026-11-05T09:00:00Z'));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.action).toMatchObject({ type: 'comment', visibility: 'internal' });
    expect(body(decisions)).toMatch(
      /^deskbridge found earlier tickets like this one that were resolved; how they were fixed may apply here:\n1\. INCa "VPN client disconnects every few minutes" — score \d\.\d\d; resolved 2026-11-02 as "Solved \(Permanently\)": "Rolled AnyConnect back to 4\.10; the 5\.0 client drops on WPA3\." Rule: dups\.$/,
    );
    expect(decisions[0]?.explanation).toBe('Rule dups found 1 resolved look-alike');
    expect(desk.trace[0]).toMatchObject({
      outcome: 'matched',
      reason: expect.stringMatching(/^listed resolved look-alikes INCa \(\d\.\d\d, resolved 2026-11-02 Solved \(Permanently\)\) \(score ≥ 0\.3, resolved before this ticket was reported\)$/),
    });
  });

  it('does not list look-alikes still open, reopened, or resolved after the ticket was reported, and says why', async () => {
    const desk = new Desk(compileRuleSet([rule()]));
    await desk.see(vpn('open', '2026-11-01T09:00:00Z'));
    await desk.resolved('reopened', '2026-11-01T10:00:00Z', '2026-11-02T09:00:00Z', fix);
    await desk.see(vpn('reopened', '2026-11-01T10:00:00Z', { status: 'in_progress', version: '3', updatedAt: '2026-11-03T09:00:00Z', resolution: fix }));
    await desk.resolved('later', '2026-11-01T11:00:00Z', '2026-11-06T09:00:00Z', fix);
    expect(await desk.see(vpn('b', '2026-11-05T09:00:00Z'))).toEqual([]);
    expect(desk.trace[0]?.outcome).toBe('no-match');
    expect(desk.trace[0]?.reason).toContain('no resolved look-alike listed: ');
    expect(desk.trace[0]?.reason).toContain('INCopen has no recorded resolution');
    expect(desk.trace[0]?.reason).toContain('INCreopened has no recorded resolution');
    expect(desk.trace[0]?.reason).toContain('INClater was resolved after this ticket was reported');
  });

  it('lists only look-alikes at or above its threshold, at most `limit`, best first', async () => {
    const desk = new Desk(compileRuleSet([rule({ resolved: { threshold: 0.3, limit: 2 } })]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-01T12:00:00Z', { code: 'Fixed' });
    await desk.resolved('b', '2026-11-01T10:00:00Z', '2026-11-01T12:00:00Z', { code: 'Fixed' });
    await desk.resolved('c', '2026-11-01T11:00:00Z', '2026-11-01T12:00:00Z', { code: 'Fixed' });
    await desk.resolved('weak', '2026-11-01T11:30:00Z', '2026-11-01T12:00:00Z', { code: 'Fixed' }, { title: 'Wifi slow in the canteen', description: 'pages load slowly' });
    const decisions = await desk.see(vpn('new', '2026-11-05T09:00:00Z'));
    const lines = body(decisions)
      .split('\n')
      .filter((l) => /^\d\./.test(l));
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('INCweak');
    const scores = lines.map((l) => Number(/score (\d\.\d\d)/.exec(l)?.[1]));
    expect(scores[0]).toBeGreaterThanOrEqual(scores[1] ?? 1);
    expect(desk.trace[0]?.reason).toContain('1 more beyond the limit of 2');

    const strict = new Desk(compileRuleSet([rule({ resolved: { threshold: 0.99 } })]));
    await strict.resolved('a', '2026-11-01T09:00:00Z', '2026-11-01T12:00:00Z', { code: 'Fixed' }, { title: 'VPN client disconnects', description: 'since this morning' });
    expect(await strict.see(vpn('new', '2026-11-05T09:00:00Z'))).toEqual([]);
    expect(strict.trace[0]?.reason).toContain('no resolved look-alike scores ≥ 0.99');
  });

  it('adds the resolved look-alikes under the likely originals, in the one note', async () => {
    const desk = new Desk(compileRuleSet([rule({ suggest: { threshold: 0.3 }, resolved: { threshold: 0.3 } })]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', fix);
    await desk.see(vpn('o', '2026-11-03T09:00:00Z'));
    const decisions = await desk.see(vpn('b', '2026-11-05T09:00:00Z'));
    expect(decisions.map((d) => d.action.type)).toEqual(['comment']);
    const [originals, fixes] = body(decisions).split('\n\n');
    expect(originals).toMatch(/^deskbridge found earlier tickets that may describe the same issue:\n1\. INC[oa] .*\n2\. INC[oa] .*\nIf one is the same issue, link this ticket to it\.$/);
    // INCa is listed above: named by its number only.
    expect(fixes).toMatch(
      /^deskbridge found earlier tickets like this one that were resolved; .*\n1\. INCa \(above\) resolved 2026-11-02 as "Solved \(Permanently\)": "Rolled AnyConnect .*" Rule: dups\.$/,
    );
    expect(decisions[0]?.explanation).toMatch(/^Rule dups found 2 likely originals \(best INC[oa], score \d\.\d\d\) and 1 resolved look-alike$/);
    expect(desk.trace[0]?.reason).toMatch(/^suggested INC.*; listed resolved look-alikes INCa/);
  });

  it('lists nothing when the rule links the ticket (it follows its original)', async () => {
    const desk = new Desk(compileRuleSet([rule({ suggest: { threshold: 0.3 }, link: { threshold: 0.8 }, resolved: { threshold: 0.3 } })]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', fix);
    const decisions = await desk.see(vpn('b', '2026-11-05T09:00:00Z'));
    expect(decisions.map((d) => d.action.type)).toEqual(['link-duplicate', 'comment', 'comment']);
    expect(decisions.map((d) => ('body' in d.action ? d.action.body : '')).join('\n')).not.toContain('Rolled AnyConnect');
    expect(desk.trace[0]?.reason).toContain('resolved look-alikes not listed (a linked ticket follows its original)');
  });

  it("shows a duplicate family's fix from its root, not the duplicate's own resolution", async () => {
    const desk = new Desk(compileRuleSet([rule({ suggest: { threshold: 0.9 }, link: { threshold: 0.95 }, resolved: { threshold: 0.3 } })]));
    await desk.see(vpn('root', '2026-11-01T09:00:00Z'));
    const wifi = { description: 'Cisco AnyConnect drops the tunnel on the office wifi in building 2 since the upgrade' };
    expect((await desk.see(vpn('dup', '2026-11-01T10:00:00Z')))[0]?.action.type).toBe('link-duplicate');
    await desk.resolved('dup', '2026-11-01T10:00:00Z', '2026-11-02T09:00:00Z', { code: 'Duplicate' }, wifi);
    // The root is still open: the duplicate's "Duplicate" is no fix to show.
    const later = (version: string) => makeTicket({ id: 'new', version, createdAt: '2026-11-05T09:00:00Z', updatedAt: '2026-11-06T09:00:00Z', title: 'AnyConnect drops on the office wifi', ...wifi });
    expect(await desk.see(later('1'))).toEqual([]);
    expect(desk.trace[0]?.reason).toContain('INCroot has no recorded resolution');
    await desk.resolved('root', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', fix);
    const note = body(await desk.see(later('2')));
    expect(note).toContain('1. INCroot');
    expect(note).toContain('Rolled AnyConnect back');
    expect(note).not.toContain('Duplicate');
    expect(note).not.toContain('INCdup');
  });

  it('writes the note once: a new version of the ticket is not noted again', async () => {
    const desk = new Desk(compileRuleSet([rule()]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', fix);
    expect(await desk.see(vpn('b', '2026-11-05T09:00:00Z', { version: '1' }))).toHaveLength(1);
    expect(await desk.see(vpn('b', '2026-11-05T09:00:00Z', { version: '2', updatedAt: '2026-11-05T10:00:00Z' }))).toEqual([]);
    expect(desk.trace[0]?.reason).toBe('already acted on this ticket');
  });

  it('is off unless the rule asks: a resolved look-alike below the suggest threshold is not mentioned', async () => {
    const desk = new Desk(compileRuleSet([rule({ resolved: undefined })]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', fix);
    expect(await desk.see(vpn('b', '2026-11-05T09:00:00Z'))).toEqual([]);
  });

  it('quotes the notes as one plain line, cut to maxChars, with markup and mentions taken out', async () => {
    const notes = 'Fixed by [~jsmith] — see [the KB|https://kb.example/1]\n\n<b>Reinstalled</b> {code}client{code} !shot.png! "as admin"\u0007';
    expect(plainText(notes, 300)).toBe("Fixed by — see (the KB|https://kb.example/1) Reinstalled client shot.png 'as admin'");
    expect(plainText('word '.repeat(100), 42)).toMatch(/^(word ){7}word…$/);

    const desk = new Desk(compileRuleSet([rule({ resolved: { threshold: 0.3, maxChars: 40 } })]));
    await desk.resolved('a', '2026-11-01T09:00:00Z', '2026-11-02T09:00:00Z', { notes: `${'Reinstalled the VPN client as admin, '.repeat(10)}\nthen rebooted` });
    const line = body(await desk.see(vpn('b', '2026-11-05T09:00:00Z'))).split('\n')[1] ?? '';
    expect(line).toMatch(/resolved 2026-11-02: "Reinstalled the VPN client as admin,…" Rule: dups\.$/);
  });
});
