import { defineConfig } from 'vitest/config';

// `tapfit` imported by name (examples, the plugin package) resolves to the sources, as the repo's own imports do:
// one copy of tapfit per test, and no build needed to test.
const conditions = ['tapfit-source', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['tapfit-source'] } },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // tfjs is CPU-bound: one worker per core, and no file may run for more than a few minutes.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
