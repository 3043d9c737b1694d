/**
 * SIGKILL during bursts of commits from 8 clients loses no acknowledged commit (two quick
 * rounds; crash.full.test.ts runs more). fsync before the pointer swap and the warehouse lock's
 * stale-lock recovery are what this leans on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crashRounds } from './crash-harness.js';

describe('crash safety of the embedded catalog', () => {
  it('loses no acknowledged commit when SIGKILLed during bursts from 8 clients', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-crash-'));
    try {
      const report = await crashRounds(dir, 2, 800);
      expect(report.lost).toEqual([]);
      expect(report.acknowledged).toBeGreaterThan(0);
      expect(report.present).toBeGreaterThanOrEqual(report.acknowledged);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
