/**
 * A second `floe dev` on the same --dir refuses to start (the warehouse lock of its embedded
 * catalog) and leaves the first one's dev.json alone.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WarehouseLockedError } from '../../lib/catalog/server/warehouse-lock.js';
import { defaultIngestConfig } from '../../lib/ingest/config.js';
import { startDevStack } from '../../lib/local/dev-stack.js';

describe('floe dev and the warehouse lock', () => {
  it('a second dev stack on the same dir is refused; the first keeps serving and keeps dev.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'floe-dev-lock-'));
    const first = await startDevStack({ dir, port: 0, config: defaultIngestConfig(), onEvent: () => {} });
    try {
      const before = await readFile(first.home.devState, 'utf8');
      await expect(
        startDevStack({ dir, port: 0, config: defaultIngestConfig(), onEvent: () => {} }),
      ).rejects.toBeInstanceOf(WarehouseLockedError);
      expect(await readFile(first.home.devState, 'utf8')).toBe(before);
      expect((await fetch(`${first.catalogUri}/v1/config`)).status).toBe(200);
    } finally {
      await first.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
