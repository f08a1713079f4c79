import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export default defineConfig({
  resolve: {
    // `tapfit` imported by name (examples, the plugin package) resolves to the sources, as the repo's own imports
    // do (tsconfig's `paths` say the same for tsc and tsx): one copy of tapfit per test, and no build needed to test.
    alias: [
      { find: /^tapfit$/, replacement: source('./runtime/index.ts') },
      { find: /^tapfit\/plugin-sdk$/, replacement: source('./plugin-sdk/index.ts') },
      { find: /^tapfit\/plugin-sdk\/testing$/, replacement: source('./runtime/testing/test-learner.ts') },
    ],
  },
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
