// The migration names /readyz compares with the database are the migrations the migrator runs.
import { describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { MIGRATION_NAMES } from '../../migrations/names.js';

describe('migrations/names.ts', () => {
  it('names every migration of migrations/index.ts, in the same order, and nothing else', () => {
    expect([...MIGRATION_NAMES]).toEqual(Object.keys(migrations));
    expect([...MIGRATION_NAMES]).toEqual([...MIGRATION_NAMES].sort());
  });
});
