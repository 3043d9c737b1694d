/**
 * The full-size crash test: eight rounds of three-second bursts from 8 clients, each ended by
 * SIGKILL; no acknowledged commit may be lost (crash.test.ts is the quick variant).
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
      const report = await crashRounds(dir, 8, 3_000);
      expect(report.lost).toEqual([]);
      expect(report.acknowledged).toBeGreaterThan(0);
      expect(report.present).toBeGreaterThanOrEqual(report.acknowledged);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
