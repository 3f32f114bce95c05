// ESLint flat config. Type-aware typescript-eslint rules over everything tsconfig.json covers
// (src, test, bench, scripts); the forbidden import directions between src/ folders; prettier's
// config last so no stylistic rule fights the formatter (formatting is `npm run format:check`).
import { readdirSync, readFileSync } from 'node:fs';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Files the type checker sees (tsconfig.json `include`); the rest is linted without type information. */
const TYPED = ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'];

export default defineConfig(
  {
    ignores: ['dist/', 'coverage/', 'scratch/', '.deskbridge/', 'audit/', 'schemas/', 'test/fixtures/'],
  },
  js.configs.recommended,
  {
    files: TYPED,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Unused code is a leftover or a bug; a leading _ marks an intentionally unused binding.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Type-only imports marked as such are erased for sure: no accidental runtime import cycle.
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      // A switch over a union (rule kinds, action types, failure codes) without a default must name
      // every member, so adding a member is a compile-time to-do list. A deliberate `default` counts.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `return promise` inside try/catch skips the catch when the promise rejects.
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/no-deprecated': 'error',
      // Spreading a Promise, Map or class instance silently drops what was meant.
      '@typescript-eslint/no-misused-spread': 'error',
      '@typescript-eslint/use-unknown-in-catch-callback-variable': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
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
  {
    // Root scripts and configs (bin/, vitest configs, this file) are outside tsconfig.json.
    files: ['**/*.js', '*.ts'],
    ignores: TYPED,
    extends: [tseslint.configs.recommended],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  ...importDirections(),
  prettier,
);

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
