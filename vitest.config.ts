import { defineConfig } from 'vitest/config';

// One project per tier, each its own folder, so `vitest run --project unit` runs one tier.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'content', include: ['test/content/**/*.test.ts'], testTimeout: 120_000 } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'postfix',
          include: ['test/postfix/**/*.test.ts'],
          globalSetup: ['test/postfix/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two files at a time: the proofs mostly wait on handshakes, queue runs and Postfix's
          // configuration-file settling time, and every instance has its own directory and free ports.
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
    ],
  },
});
