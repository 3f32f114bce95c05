import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { missingData } from '../helpers/data.js';
import { useE2e } from '../helpers/e2e.js';

/** GET with basic auth, as JSON (the demo's sandboxes take the integration user's password from its config). */
async function getJson<T>(url: string, user: string, password: string): Promise<T> {
  const answer = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`, accept: 'application/json' } });
  if (!answer.ok) throw new Error(`GET ${url}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as T;
}

/** Polls until `check` returns a value (or the time is up). */
async function until<T>(check: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('deskbridge demo with its console', () => {
  const e2e = useE2e();

  it.skipIf(missingData('eventLog', 'ticketTexts', 'hadoopBugs'))(
    "prints the console's URL and token after the passes, the console lists the latest of its eight passes per source, the escalation act left one linked copy kept in step both ways, and Ctrl-C stops it cleanly",
    async () => {
      const demo = e2e.spawnCli(['demo', '--incidents', '60', '--jira-issues', '8', '--helpdesk-tickets', '10']);
      const url = await until(() => /Console: (http:\/\/127\.0\.0\.1:\d+)/.exec(demo.stdout())?.[1], 150_000).catch(() => {
        throw new Error(`the demo printed no console URL:\n${demo.output().slice(-3000)}`);
      });
      expect(demo.stdout()).toMatch(/Sign in with the token [A-Za-z0-9_-]{20,} to retry writes/);

      const overview = await (await fetch(url)).text();
      const passRows =
        overview
          .split('<table class="passes">')[1]
          ?.split('</table>')[0]
          ?.match(/<tr>\s*<td>/g) ?? [];
      // Eight passes of four sources; the overview lists the 25 most recent. A pass of the demo ends
      // when all four sources' passes have, so those are the last six of each source and one more.
      expect(demo.stdout()).toContain('Pass 8 — nothing changed, so nothing is written:');
      expect(passRows.length).toBe(25);
      const perSource = ['sandbox-snow', 'sandbox-jira', 'sandbox-zendesk', 'sandbox-freshservice'].map((source) => overview.split(`<td>${source}</td>`).length - 1);
      for (const n of perSource) expect([6, 7]).toContain(n);
      expect(perSource.reduce((a, b) => a + b, 0)).toBe(25);

      // The escalation act, read back from the sandboxes the demo keeps up while its console runs.
      const stdout = demo.stdout();
      const snowUrl = /Sandbox ServiceNow at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? '';
      const jiraUrl = /Sandbox Jira Cloud at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1] ?? '';
      const snow = <T>(path: string): Promise<T> => getJson<T>(`${snowUrl}${path}`, 'deskbridge', 'deskbridge');
      const jira = <T>(path: string): Promise<T> => getJson<T>(`${jiraUrl}${path}`, 'deskbridge@example.com', 'deskbridge');
      const { result: incidents } = await snow<{ result: Record<string, string>[] }>(
        `/api/now/table/incident?sysparm_query=${encodeURIComponent('short_description=Checkout fails with error 500 when paying by card')}&sysparm_fields=sys_id,number,state,close_code,close_notes`,
      );
      expect(incidents).toHaveLength(1);
      const incident = incidents[0] ?? {};
      // One copy, in the developers' project, linked back to the incident.
      const search = await jira<{ issues: { id: string; key: string; fields: { labels: string[]; status: { name: string } } }[] }>(
        `/rest/api/3/search/jql?jql=${encodeURIComponent('project = SHOP')}&fields=labels,status`,
      );
      expect(search.issues).toHaveLength(1);
      const copy = search.issues[0];
      expect(copy?.key).toBe('SHOP-1');
      expect(copy?.fields.labels).toContain('from-service-desk');
      expect(copy?.fields.status.name).toBe('Resolved');
      expect(stdout).toContain(`copy: SHOP-1 "${incident['number'] ?? '?'}: Checkout fails with error 500 when paying by card"`);
      expect(stdout).toContain(`${jiraUrl}/browse/SHOP-1`);
      const remote = await jira<{ object: { title: string } }[]>('/rest/api/3/issue/SHOP-1/remotelink');
      expect(remote.map((l) => l.object.title)).toEqual([incident['number']]);
      // Comments: the developer's two came back as work notes once each; the tagged work note went to Jira once, the untagged one did not, nor deskbridge's own.
      const { result: journal } = await snow<{ result: { value: string }[] }>(
        `/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(`element_id=${incident['sys_id'] ?? ''}^element=work_notes`)}&sysparm_fields=value`,
      );
      const notes = journal.map((j) => j.value);
      expect(notes.filter((n) => n.includes('Copy: SHOP-1'))).toHaveLength(1);
      expect(notes.filter((n) => n.startsWith('Lena Vogel on SHOP-1') && n.includes('Reproduced: since the 09:30 release'))).toHaveLength(1);
      expect(notes.filter((n) => n.startsWith('Lena Vogel on SHOP-1') && n.includes('Fixed in release 2026.12.2'))).toHaveLength(1);
      const { comments } = await jira<{ comments: { body: string }[] }>('/rest/api/2/issue/SHOP-1/comment');
      const jiraComments = comments.map((c) => c.body);
      expect(jiraComments.filter((c) => c.includes('#dev Visa and Mastercard both fail'))).toHaveLength(1);
      expect(jiraComments.filter((c) => c.includes('Called the customer back'))).toHaveLength(0);
      expect(jiraComments.filter((c) => c.includes('Escalated to'))).toHaveLength(0);
      // The resolution came back: a note, the incident resolved with the rule's fields, and not sent to Jira again.
      expect(notes.filter((n) => n.includes('SHOP-1 was resolved'))).toHaveLength(1);
      expect(incident['state']).toBe('6');
      expect(incident['close_notes']).toBe('Fixed by the web shop developers in SHOP-1');
      expect(jiraComments.filter((c) => c.includes('The original ticket'))).toHaveLength(0);
      // A ticket page with a live explain against the sandbox the demo keeps up.
      const ticket = await fetch(`${url}/tickets/sandbox-snow/INC0010001`);
      expect(ticket.status).toBe(200);
      expect(await ticket.text()).toContain('Rules now (live explain)');

      // The README's pictures of the console are of this demo (npm run screenshots).
      const shots = process.env['DESKBRIDGE_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'deskbridge-demo-shots-'));
      mkdirSync(shots, { recursive: true });
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, javaScriptEnabled: false });
        await page.goto(url);
        await page.screenshot({ path: join(shots, 'demo-overview.png'), fullPage: true });
        await page.goto(`${url}/tickets/sandbox-snow/INC0010001`);
        expect(await page.locator('table.explain tbody tr').count()).toBeGreaterThan(3);
        await page.screenshot({ path: join(shots, 'demo-ticket.png'), fullPage: true });
      } finally {
        await browser.close();
      }

      demo.child.kill('SIGINT');
      expect(await demo.exited).toBe(0);
      expect(demo.stdout()).toContain('Stopping the console and the sandboxes.');
    },
    180_000,
  );
});
