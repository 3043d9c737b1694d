import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackfillPlanError, chunkObjects, parseKeyManifest, planBackfill } from '../../lib/ingest/backfill-plan.js';
import { LocalFileIO } from '../../lib/storage/local.js';

let dir: string;
const io = new LocalFileIO();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-plan-'));
  await mkdir(join(dir, 'src', 'day=2'), { recursive: true });
  await writeFile(join(dir, 'src', 'a.csv'), 'x\n1\n');
  await writeFile(join(dir, 'src', 'b.csv'), 'x\n22\n');
  await writeFile(join(dir, 'src', 'day=2', 'c.csv'), 'x\n333\n');
  await writeFile(join(dir, 'keys.txt'), '# comment\nsrc/b.csv\n\nsrc/day=2/c.csv\n');
  await writeFile(join(dir, 'bad-keys.txt'), 'src/missing.csv\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('chunkObjects', () => {
  it('bounds chunks by count and by bytes, keeping order', () => {
    const objects = [10, 10, 10, 50, 10, 200, 1].map((size, i) => ({ path: `k${i}`, size }));
    const chunks = chunkObjects(objects, { maxChunkFiles: 3, maxChunkBytes: 60 });
    expect(chunks.map((c) => c.objects.map((o) => o.path))).toEqual([['k0', 'k1', 'k2'], ['k3', 'k4'], ['k5'], ['k6']]);
    expect(chunks.map((c) => c.bytes)).toEqual([30, 60, 200, 1]);
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3]);
  });
});

describe('planBackfill', () => {
  it('lists a prefix in lexical order with sizes and etags', async () => {
    const plan = await planBackfill(io, { prefix: `${join(dir, 'src')}/` }, { maxChunkFiles: 2 });
    expect(plan.files).toBe(3);
    expect(plan.bytes).toBe(4 + 5 + 6);
    expect(plan.chunks.map((c) => c.objects.map((o) => o.path.slice(dir.length)))).toEqual([
      ['/src/a.csv', '/src/b.csv'],
      ['/src/day=2/c.csv'],
    ]);
    expect(plan.chunks[0]?.objects[0]?.etag).toMatch(/^4-/);
  });

  it('reads a manifest of keys relative to the manifest', async () => {
    const plan = await planBackfill(io, { manifest: join(dir, 'keys.txt') });
    expect(plan.chunks[0]?.objects.map((o) => o.path)).toEqual([
      join(dir, 'src', 'b.csv'),
      join(dir, 'src', 'day=2', 'c.csv'),
    ]);
    expect(parseKeyManifest('a\n#b\n c \n')).toEqual(['a', 'c']);
  });

  it('fails with a named error when the manifest names a missing object', async () => {
    await expect(planBackfill(io, { manifest: join(dir, 'bad-keys.txt') })).rejects.toBeInstanceOf(BackfillPlanError);
  });
});
