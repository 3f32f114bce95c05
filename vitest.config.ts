import { defineConfig } from 'vitest/config';

// Crash soaks and multi-daemon races take minutes: `npm run test:soak`.
const shared = { testTimeout: 30_000, hookTimeout: 60_000, exclude: ['test/soak/**', '**/node_modules/**'] };

export default defineConfig({
  test: {
    // End-to-end tests start servers and child processes; two cores are all CI has.
    maxWorkers: 2,
    projects: [
      {
        // Pure logic: importing the sources once per worker, not once per file, is most of the
        // time saved (these files share no global state; nothing here mocks modules).
        test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts', 'test/hostile/**/*.test.ts'], isolate: false },
      },
      {
        // Servers, sockets, nock interceptors and child processes: each file in a fresh module graph.
        test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'] },
      },
    ],
  },
});
