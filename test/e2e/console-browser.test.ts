import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { raiseIncident, seedFixtures, ServiceNowStore, startServiceNowSandbox, type ServiceNowSandbox } from '../../src/sandbox/servicenow/index.js';
import { launchChromium } from '../helpers/browser.js';
import { captureLogger } from '../helpers/log-capture.js';
import { E2E_RULES, writeConfig } from '../helpers/sandbox-env.js';

process.env['E2E_SN_PASSWORD'] = 'deskbridge';
const TOKEN = `console-${randomBytes(16).toString('hex')}`;
process.env['E2E_CONSOLE_TOKEN'] = TOKEN;

/** A ticket title that would run script in a page that inserted it as markup. */
const XSS_TITLE = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> printer on fire`;

/** Where the screenshots go: the README's folder when DESKBRIDGE_SCREENSHOTS names it (npm run screenshots), else a temp folder. */
const SHOTS = process.env['DESKBRIDGE_SCREENSHOTS'] ?? mkdtempSync(join(tmpdir(), 'deskbridge-console-shots-'));

describe('the web console in headless Chromium, served by a daemon over the ServiceNow sandbox', () => {
  let sandbox: ServiceNowSandbox;
  let daemon: Daemon;
  let browser: Browser;
  let url: string;
  let work: string;
  let rulesDir: string;
  let logLines: string[];
  /** The sandbox refuses every assignment of the XSS ticket while this is true: its write is dead-lettered. */
  let refuseAssignments = true;
  let xssNumber: string;

  beforeAll(async () => {
    const store = new ServiceNowStore();
    seedFixtures(store);
    xssNumber = raiseIncident(store, { title: XSS_TITLE, category: 'network' })['number'] ?? '';
    sandbox = await startServiceNowSandbox({
      store,
      dataPolicies: [{ table: 'incident', mandatory: 'u_routing_reason', when: (record, changes) => refuseAssignments && record['number'] === xssNumber && 'assignment_group' in changes }],
    });
    work = mkdtempSync(join(tmpdir(), 'deskbridge-console-'));
    rulesDir = join(work, 'rules');
    cpSync(E2E_RULES, rulesDir, { recursive: true });
    const configPath = writeConfig(sandbox.url, { rules: rulesDir });
    const text = readFileSync(configPath, 'utf8').replace('state: { path: ./state.db }', 'state: { path: ./state.db, keepVersionsDays: 0 }');
    writeFileSync(configPath, `${text}console: { port: 0, auth: { token: "\${E2E_CONSOLE_TOKEN}" } }\n`);
    const { config, secrets } = loadConfig(configPath);
    const captured = captureLogger(secrets);
    logLines = captured.lines;
    daemon = new Daemon({ config, logger: captured.logger, secrets });
    // Two passes: the first routes (and dead-letters the refused ticket), the second pulls the writes back.
    await daemon.runOnce({ settle: false });
    await daemon.runOnce({ settle: false });
    url = (await daemon.serveConsole()) ?? '';
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    await sandbox?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** A fresh browser (no cookies) with JavaScript off: every page must work without it. */
  async function page(options: { javaScript?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ javaScriptEnabled: options.javaScript ?? false, viewport: { width: 1400, height: 900 } });
    return { context, page: await context.newPage() };
  }

  async function signIn(p: Page, next = '/'): Promise<void> {
    await p.goto(`${url}/login?next=${encodeURIComponent(next)}`);
    await p.fill('#token', TOKEN);
    await Promise.all([p.waitForURL((u) => !u.pathname.startsWith('/login')), p.click('button[type=submit]')]);
  }

  it('shows each source with its last pass, watermark, circuit, request rate and outbox figures, and the passes from the state', async () => {
    const { context, page: p } = await page();
    const response = await p.goto(url);
    expect(response?.status()).toBe(200);
    const row = p.locator('table tbody tr', { hasText: 'sandbox-snow' }).first();
    await expect.poll(() => row.innerText()).toContain('servicenow');
    const text = await row.innerText();
    expect(text).toMatch(/ok .* ago/);
    expect(text).toMatch(/ago\n2026-/);
    expect(text).toContain('closed');
    expect(text).toMatch(/\d+ since start/);
    const passes = p.locator('table.passes tbody tr');
    expect(await passes.count()).toBe(2);
    expect(await passes.first().innerText()).toContain('sandbox-snow');
    // The refused write is a dead letter, linked from the overview.
    expect(await row.locator('a.bad').innerText()).toMatch(/^[1-9]\d*$/);
    await p.screenshot({ path: join(SHOTS, 'console-overview.png'), fullPage: true });
    await context.close();
  });

  it('offers the retry of a dead letter only to a signed-in browser, and the next pass sends the retried write', async () => {
    const { context, page: p } = await page();
    await p.goto(`${url}/outbox?status=dead`);
    const deadRow = p.locator('tr', { hasText: xssNumber }).filter({ hasText: 'assign to Network Operations' }).first();
    expect(await deadRow.innerText()).toContain('dead');
    // Not signed in: no retry button, a way to sign in instead.
    expect(await deadRow.locator('button').count()).toBe(0);
    expect(await deadRow.locator('a', { hasText: 'sign in to retry' }).count()).toBe(1);
    // A POST without credentials is refused whatever it carries.
    const id = (await deadRow.locator('code').innerText()).trim();
    const anonymous = await fetch(`${url}/outbox/${id}/retry`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'mode=live' });
    expect(anonymous.status).toBe(401);
    const wrongToken = await fetch(`${url}/outbox/${id}/retry`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'mode=live',
    });
    expect(wrongToken.status).toBe(401);

    await signIn(p, '/outbox?status=dead');
    const row = p.locator('tr', { hasText: xssNumber }).filter({ hasText: 'assign to Network Operations' }).first();
    await p.screenshot({ path: join(SHOTS, 'console-outbox.png'), fullPage: true });
    refuseAssignments = false;
    await Promise.all([p.waitForURL(/retried=\d+/), row.locator('button', { hasText: 'Retry' }).click()]);
    // The assignment and the routing note held behind it come back together.
    expect(await p.locator('.notice.ok').innerText()).toContain('2 writes put back in the queue');
    expect(await p.locator('tr', { hasText: xssNumber }).filter({ hasText: 'assign to Network Operations' }).first().innerText()).toContain('pending');
    expect(logLines.join('\n')).toContain('Outbox write retried from the console');

    const pass = await daemon.runOnce({ settle: false });
    expect(pass.results[0]?.written.sent).toBe(2);
    const xss = sandbox.store.list('incident').find((r) => r['number'] === xssNumber);
    expect(xss && sandbox.store.displayValue('incident', xss, 'assignment_group')).toBe('Network Operations');
    await context.close();
  });

  it('refuses a form without its CSRF token, or posted from another site, even from a signed-in browser', async () => {
    const { context, page: p } = await page();
    await signIn(p);
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = (body: string, origin?: string) =>
      fetch(`${url}/outbox/retry`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...(origin ? { origin } : {}) }, body });
    expect((await post('source=sandbox-snow&mode=live')).status).toBe(403);
    expect((await post('source=sandbox-snow&mode=live&_csrf=forged')).status).toBe(403);
    const token = await p.locator('input[name=_csrf]').first().inputValue();
    expect((await post(`source=sandbox-snow&mode=live&_csrf=${encodeURIComponent(token)}`, 'https://evil.example')).status).toBe(403);
    expect((await post(`source=sandbox-snow&mode=live&_csrf=${encodeURIComponent(token)}`, url)).status).toBe(303);
    await context.close();
  });

  it('shows a ticket with an XSS payload in its title as inert text, with its timeline and a live explain of every rule', async () => {
    const { context, page: p } = await page({ javaScript: true });
    const dialogs: string[] = [];
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const response = await p.goto(`${url}/tickets/sandbox-snow/${xssNumber}`);
    expect(response?.status()).toBe(200);
    expect(await p.locator('h1').innerText()).toContain('<script>window.__xss=2</script>');
    expect(await p.evaluate('window.__xss')).toBeUndefined();
    expect(await p.locator('main img, main script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    // Timeline: the versions pulled, the write planned, refused, retried and made.
    const timeline = await p.locator('table.timeline').innerText();
    expect(timeline).toContain('pulled');
    expect(timeline).toMatch(/network-to-netops.*planned: assign to Network Operations/);
    expect(timeline).toMatch(/dead/);
    // Live explain: every loaded rule, with the clause that decided it.
    const explain = await p.locator('table.explain').innerText();
    for (const rule of ['network-to-netops', 'desk-queue-dispatch', 'unassigned-to-desk']) expect(explain).toContain(rule);
    expect(explain).toContain('category = "Network"');
    await p.screenshot({ path: join(SHOTS, 'console-ticket.png'), fullPage: true });
    await context.close();
  });

  it('lists the loaded rules and, after a broken edit, the rejected reload at file:line:col while the last good set runs', async () => {
    const file = join(rulesDir, 'routing.yaml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('when: category = "Network"', 'when: category = = "Network"'));
    const pass = await daemon.runOnce({ settle: false });
    expect(pass.results.length).toBe(1);
    const { context, page: p } = await page();
    await p.goto(`${url}/rules`);
    const body = await p.locator('main').innerText();
    expect(body).toMatch(/Running 3 enabled rules/);
    expect(body).toContain('the files still hold this edit');
    expect(body).toMatch(/routing\.yaml:\d+:\d+/);
    await p.screenshot({ path: join(SHOTS, 'console-rules.png'), fullPage: true });
    writeFileSync(file, good);
    await daemon.runOnce({ settle: false });
    await p.goto(`${url}/rules`);
    expect(await p.locator('main').innerText()).toContain('fixed since');
    await context.close();
  });

  it('shows the help-desk report from the state and the audit logs verified against their recorded heads', async () => {
    const { context, page: p } = await page();
    const report = await p.goto(`${url}/reports/helpdesk?by=month`);
    expect(report?.status()).toBe(200);
    expect(await p.locator('h1').innerText()).toBe('Help-desk report');
    expect(await p.locator('body').innerText()).toMatch(/routed by deskbridge/);
    await p.screenshot({ path: join(SHOTS, 'console-report.png'), fullPage: true });
    await p.goto(`${url}/reports/audit`);
    const audit = await p.locator('main').innerText();
    expect(audit).toContain('Verified');
    expect(audit).toMatch(/actions: OK, \d+ entries/);
    await context.close();
  });

  it('never puts a credential into a page', async () => {
    const { context, page: p } = await page();
    await signIn(p);
    for (const path of ['/', '/outbox', '/quarantine', '/rules', '/tickets', `/tickets/sandbox-snow/${xssNumber}`, '/reports/audit', '/login']) {
      await p.goto(`${url}${path}`);
      const html = await p.content();
      expect(html, path).not.toContain(TOKEN);
    }
    await context.close();
  });
});
