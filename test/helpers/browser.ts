import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (installed by .ci/run), or the browser DESKBRIDGE_CHROMIUM names. */
export function chromiumPath(): string {
  const path = process.env['DESKBRIDGE_CHROMIUM'] ?? '/usr/bin/chromium';
  if (!existsSync(path)) throw new Error(`no Chromium at ${path}: install Debian's package (sudo apt-get install -y chromium), or point DESKBRIDGE_CHROMIUM at a Chromium binary`);
  return path;
}

/**
 * A real headless Chromium driven over the DevTools protocol. Never skipped: the console's
 * promises (no scripts needed, XSS shown inert, retry only when signed in) hold only in a browser.
 */
export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI runs as root in a container, where Chromium's own sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
