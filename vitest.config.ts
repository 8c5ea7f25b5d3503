import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // PGlite: migrate once, every test database starts from that snapshot.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Each file gets its own database (schema on PostgreSQL, in-memory PGlite otherwise).
    fileParallelism: true,
    // One worker per core: the suite is CPU-bound (PGlite is WebAssembly), and vitest's default
    // of one fewer leaves half of a 2-core machine idle.
    maxWorkers: availableParallelism(),
    // Files share their worker's module cache (each still builds its own app, database and
    // clock): the app is imported once per worker instead of once per file. No test mocks
    // modules or globals; the one with fake timers restores them.
    isolate: false,
    // Bounds against a hang, not timings: wide enough for a shared machine under load, where a
    // file that starts PGlite (initdb, migrations) in a child process took over 30 s.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
