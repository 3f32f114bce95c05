// ESLint flat config in two layers over everything tsconfig.json covers (src, test, bench, scripts):
// - syntax: typescript-eslint's recommended rules, unused code, type-only imports, eqeqeq, and the
//   forbidden import directions between src/ folders. No type information, so it takes seconds:
//   `npm run lint` (with prettier --check) uses only this layer (eslint.syntax.config.js).
// - types: the type-aware rules (floating and misused promises, unsafe any, exhaustive switches,
//   deprecated APIs). They build the whole TypeScript program, which costs as much as a second
//   `tsc` and grows with the code, so they run as their own step: `npm run lint:types`. Editors
//   read this file and get both layers.
// prettier's config comes last so no stylistic rule fights the formatter.
import { readdirSync, readFileSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Files the type checker sees (tsconfig.json `include`); the rest is linted without type information. */
const TYPED = ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'];

const ignores = {
  ignores: ['dist/', 'coverage/', 'scratch/', '.deskbridge/', 'audit/', 'schemas/', 'test/fixtures/'],
};

const syntaxLayer = [
  js.configs.recommended,
  {
    files: TYPED,
    extends: [tseslint.configs.recommended],
    rules: {
      // Unused code is a leftover or a bug; a leading _ marks an intentionally unused binding.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Type-only imports marked as such are erased for sure: no accidental runtime import cycle.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },
  {
    // Root scripts and configs (bin/, vitest configs, these files) are outside tsconfig.json.
    files: ['**/*.js', '*.ts'],
    ignores: TYPED,
    extends: [tseslint.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...importDirections(),
];

const typesLayer = [
  {
    files: TYPED,
    extends: [tseslint.configs.recommendedTypeCheckedOnly],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A switch over a union (rule kinds, action types, failure codes) without a default must name
      // every member, so adding a member is a compile-time to-do list. A deliberate `default` counts.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `return promise` inside try/catch skips the catch when the promise rejects.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-deprecated': 'error',
      // Spreading a Promise, Map or class instance silently drops what was meant.
      '@typescript-eslint/no-misused-spread': 'error',
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'error',
      // Off: the state store's methods are async by contract (StateStore returns promises so a
      // networked store can follow) over synchronous better-sqlite3 calls; `async` without `await`
      // is what turns a thrown error into a rejection there, not a mistake.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read vendor-shaped JSON bodies (`await response.json()` is `any`) and pin them with
    // expect(); typing every body would add casts, not checks. Production code keeps these rules.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    // The sandboxes echo request values (query parameters, JSON body scalars) back as the vendors
    // do, with String(): an object there is a client's mistake the vendor also prints as text.
    files: ['src/sandbox/**/*.ts'],
    rules: { '@typescript-eslint/no-base-to-string': 'off' },
  },
];

/**
 * The syntax layer alone: what `npm run lint` checks (eslint.syntax.config.js). Disable comments
 * for type-aware rules are unused here by design; the full config still reports stale ones.
 */
export const syntaxConfig = defineConfig(ignores, { linterOptions: { reportUnusedDisableDirectives: 'off' } }, ...syntaxLayer, prettier);

/** Both layers: what editors and `npm run lint:types` check. */
export default defineConfig(ignores, ...syntaxLayer, ...typesLayer, prettier);

/**
 * The forbidden import directions of test/unit/architecture/import-rules.json as no-restricted-imports
 * patterns, so an editor flags them as they are typed. The architecture test
 * (test/unit/architecture/import-directions.test.ts) resolves every import and is the authority; it also
 * covers dynamic `import()` (this rule does not) and folder cycles.
 *
 * no-restricted-imports matches the specifier as written, so each folder gets one entry per directory
 * depth: from `src/engine/*.ts` the platforms folder is `../platforms/…`, from `src/engine/x/*.ts` it is
 * `../../platforms/…`. Options of one rule do not merge across entries, so each entry lists every pattern
 * for its files.
 */
function importDirections() {
  const { rules } = JSON.parse(readFileSync(new URL('./test/unit/architecture/import-rules.json', import.meta.url), 'utf8'));
  const folders = readdirSync(new URL('./src/', import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const entries = [];
  for (const from of folders) {
    const applying = rules.filter((rule) => (rule.from.includes('*') ? !(rule.except ?? []).includes(from) : rule.from.includes(from)));
    if (applying.length === 0) continue;
    for (let depth = 1; depth <= 6; depth += 1) {
      const up = '(?:\\.\\./)'.repeat(depth);
      const patterns = applying.flatMap((rule) =>
        rule.to
          .filter((to) => to !== from)
          .map((to) => {
            const target =
              to === '*'
                ? `(?!${escape(from)}/|\\.\\./)` // anything else in src (a folder's own files and paths leaving src are fine)
                : to.endsWith('/*')
                  ? `${escape(to.slice(0, -2))}/[^/]+/` // a sub-folder of that folder, not its top-level files
                  : `${escape(to)}(?:/|$)`;
            const shown = to === '*' ? 'anything else in src' : to.endsWith('/*') ? `src/${to.slice(0, -2)}/<name>/…` : `src/${to}`;
            return { regex: `^${up}${target}`, message: `src/${from} must not import ${shown}: ${rule.why}. (test/unit/architecture/import-rules.json)` };
          }),
      );
      entries.push({
        files: [`src/${from}/${'*/'.repeat(depth - 1)}*.ts`],
        rules: { 'no-restricted-imports': ['error', { patterns }] },
      });
    }
  }
  return entries;
}
