import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['bridge/test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          // The client SDK's tests run against a real bridge too, so they share this Synapse.
          include: ['bridge/test/integration/**/*.test.ts', 'packages/client/test/**/*.test.ts'],
          globalSetup: ['bridge/test/support/global-setup.ts'],
          // One Synapse pushes to one appservice port: integration files take turns.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
