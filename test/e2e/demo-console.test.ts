import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { missingData } from '../helpers/data.js';
import { useE2e } from '../helpers/e2e.js';

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
    "prints the console's URL and token after the passes, the console shows every source's five passes, and Ctrl-C stops it cleanly",
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
      expect(passRows.length).toBe(20);
      for (const source of ['sandbox-snow', 'sandbox-jira', 'sandbox-zendesk', 'sandbox-freshservice']) {
        expect(overview.split(`<td>${source}</td>`).length - 1, source).toBe(5);
      }
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
