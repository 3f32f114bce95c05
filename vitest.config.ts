import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Crash soaks and multi-daemon races take minutes: `npm run test:soak`.
    exclude: ['test/soak/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end tests start servers and child processes; two cores are all CI has.
    maxWorkers: 2,
    // Importing the sources once per worker rather than once per test file is most of the time
    // saved (unit 114 s -> 47 s, integration 180 s -> 104 s on the same machine). It holds
    // because a test file leaves no global state behind: nothing mocks modules, nock is restored
    // after each file (test/helpers/http-mock.ts), and the e2e harness (test/helpers/e2e.ts)
    // stops daemons, child processes and sandboxes after each test. Shuffled runs
    // (`--sequence.shuffle`) pass too; run one when adding global state.
    isolate: false,
  },
});
