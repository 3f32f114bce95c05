import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's own folder: two levels above this file both in a clone
 * (`src/util/package-files.ts`) and in an installed package (`dist/util/package-files.js`).
 */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The mappings shipped with deskbridge: what a config without `mappings:` uses, from any folder. */
export const SHIPPED_MAPPINGS = join(PACKAGE_ROOT, 'mappings');

/**
 * The mappings folder of a config that does not set `mappings:`: a `mappings/` folder next to the
 * config when there is one (how a config in a clone, or one with copied and edited mappings, has
 * always worked), otherwise the shipped mappings, so a config written anywhere runs as it is.
 */
export function defaultMappingsDir(configDir: string): string {
  const local = join(configDir, 'mappings');
  return existsSync(local) ? local : SHIPPED_MAPPINGS;
}

/** package.json's version, for `deskbridge --version`. */
export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
  const version = typeof manifest === 'object' && manifest !== null && 'version' in manifest ? manifest.version : undefined;
  return typeof version === 'string' ? version : 'unknown';
}
