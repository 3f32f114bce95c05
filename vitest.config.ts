import { defineConfig } from 'vitest/config';

// Crash soaks and multi-daemon races take minutes: `npm run test:soak`.
const shared = { testTimeout: 30_000, hookTimeout: 60_000, exclude: ['test/soak/**', '**/node_modules/**'] };

export default defineConfig({
  test: {
    // End-to-end tests start servers and child processes; two cores are all CI has.
    maxWorkers: 2,
    projects: [
      {
        // Importing the sources once per worker rather than once per file is most of the time
        // saved (unit 114 s -> 47 s, integration 180 s -> 104 s). It holds because these files
        // leave no global state behind: nothing mocks modules, nock is restored after each file
        // (test/helpers/http-mock.ts), and sandboxes are closed by the file that started them.
        test: { ...shared, name: 'in-process', include: ['test/unit/**/*.test.ts', 'test/hostile/**/*.test.ts', 'test/integration/**/*.test.ts'], isolate: false },
      },
      {
        // Daemons, signals and child processes: each file in a fresh module graph.
        test: { ...shared, name: 'e2e', include: ['test/e2e/**/*.test.ts'] },
      },
    ],
  },
});
