import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds. Node loads the CJS one for the
    // externalized libraries (Pothos, yoga); Vite would give our sources the
    // ESM one, and two graphql realms refuse each other's types. One realm:
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when it is older than src/: end-to-end tests spawn bin/sluice.js, which runs dist/.
    globalSetup: ['test/global-setup.ts'],
    // DuckDB, parquet-wasm and real servers: give slow CI machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: run files in parallel, but not more than the machine has.
    maxWorkers: 2,
    // expect.poll waits for something to happen, not for it to happen fast:
    // a busy machine must not fail a test (its default is 1 s).
    expect: { poll: { timeout: 30_000 } },
    // The demo's hash mask key (sluice.yaml: masking.hashKeyEnv) and metrics
    // token (server.metrics.tokenEnv); child processes started by
    // end-to-end tests inherit them.
    env: { SLUICE_HASH_KEY: 'test-only-hash-key', SLUICE_METRICS_TOKEN: 'test-only-metrics-token' },
  },
});
