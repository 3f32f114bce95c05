/**
 * Writes the editor JSON Schemas (schemas/*.schema.json) from the zod schemas.
 *
 *   tsx scripts/generate-schemas.ts          regenerate the files
 *   tsx scripts/generate-schemas.ts --check  exit 1 when a committed file is missing or stale (CI)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema, SCHEMA_FILES } from '../src/config/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.slice(2).includes('--check');

let stale = 0;
for (const { path: relative, build } of SCHEMA_FILES) {
  const file = path.join(root, relative);
  const wanted = renderJsonSchema(build());
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current === wanted) {
    console.log(`${relative}: up to date`);
  } else if (check) {
    stale++;
    console.error(`${relative}: ${current === undefined ? 'missing' : 'stale'}`);
  } else {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, wanted);
    console.log(`${relative}: written`);
  }
}
if (stale > 0) {
  console.error('Run `npm run schemas` and commit the result.');
  process.exitCode = 1;
}
