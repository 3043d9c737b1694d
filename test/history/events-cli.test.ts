/**
 * `floe events --follow` tails `.floe/events.ndjson`: prints what is there, then each event as
 * it is appended, until SIGINT.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FloeEvent } from '../../lib/ingest/commit-events.js';
import { eventLine } from '../../lib/local/ndjson-event-sink.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'floe.mjs');

const committed = (snapshotId: string): FloeEvent => ({
  type: 'floe.TableCommitted',
  detail: {
    eventId: `sales.orders@${snapshotId}`,
    table: 'sales.orders',
    snapshotId,
    sequenceNumber: 1,
    operation: 'append',
    addedRows: 2,
    addedFiles: 1,
    addedBytes: 900,
    schemaId: 0,
    ingestIds: ['i1'],
    sourceKeys: ['landing/sales/orders/a.csv'],
    committedAt: '2026-12-04T10:00:00.000Z',
  },
});

describe('floe events --follow', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-events-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints existing events, then follows appended ones', async () => {
    await writeFile(join(dir, 'events.ndjson'), eventLine(committed('111')));
    const child = spawn(process.execPath, [BIN, 'events', '--follow', '--json', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    const lines = () =>
      out
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    try {
      await expect.poll(() => lines().length, { timeout: 20_000 }).toBe(1);
      await appendFile(join(dir, 'events.ndjson'), eventLine(committed('222')));
      await expect.poll(() => lines().length, { timeout: 20_000 }).toBe(2);
      expect(lines().map((e) => e.detail.snapshotId)).toEqual(['111', '222']);
      expect(lines()[1]).toMatchObject({ source: 'floe', 'detail-type': 'floe.TableCommitted' });
    } finally {
      child.kill('SIGINT');
    }
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  });
});
