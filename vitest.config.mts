import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import the package by name, as a user would; tests resolve it to the sources.
    alias: {
      'agentic-ai-framework/sdk': fileURLToPath(new URL('./sdk/index.ts', import.meta.url)),
      'agentic-ai-framework': fileURLToPath(new URL('./src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // CDK synthesis is CPU-bound; two workers match the two cores CI has.
    maxWorkers: 2,
    // Each worker loads aws-cdk-lib and the bundles once for all its files instead of once per
    // file (the suite takes half the time). Tests restore the environment variables they set.
    isolate: false,
  },
});
