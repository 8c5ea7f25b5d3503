import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // PGlite: migrate once, every test database starts from that snapshot.
    globalSetup: ['test/helpers/global-setup.ts'],
    // Each file gets its own database (schema on PostgreSQL, in-memory PGlite otherwise).
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
