import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Each file gets its own database (schema on PostgreSQL, in-memory PGlite otherwise).
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
