import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileNotFoundError } from '../../lib/iceberg/file-io.js';
import { fileIOForTable } from '../../lib/storage/resolve.js';
import { parseS3Uri, S3FileIO } from '../../lib/storage/s3.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';

describe('S3FileIO over s3rver', () => {
  let s3: S3rverHandle;
  beforeAll(async () => {
    s3 = await startS3rver(['warehouse']);
  });
  afterAll(async () => s3?.stop());

  it("a table's FileIO signs with the credentials the catalog vended for its location, not the ambient ones", async () => {
    const ambient = { ...s3.credentials(), accessKeyId: 'NOT-VENDED', secretAccessKey: 'wrong' };
    await expect(
      new S3FileIO({ credentials: ambient }).write('s3://warehouse/v/x', new Uint8Array([1])),
    ).rejects.toThrow();
    const loaded = {
      identifier: { namespace: ['ns'], name: 't' },
      metadata: { location: 's3://warehouse/v' },
      credentials: [
        { ...ambient, prefix: 's3://' },
        { ...s3.credentials(), prefix: 's3://warehouse/v' },
      ],
    } as unknown as Parameters<typeof fileIOForTable>[0];
    const io = fileIOForTable(loaded, { s3: { credentials: ambient } });
    await io.write('s3://warehouse/v/x', new Uint8Array([1]));
    expect([...(await io.read('s3://warehouse/v/x'))]).toEqual([1]);
  });

  it('parses s3 URIs', () => {
    expect(parseS3Uri('s3://b/a/b.txt')).toEqual({ bucket: 'b', key: 'a/b.txt' });
    expect(parseS3Uri('s3a://b/k')).toEqual({ bucket: 'b', key: 'k' });
    expect(() => parseS3Uri('/tmp/x')).toThrow(/not an s3/);
  });

  it('writes, reads, stats, lists with paging and deletes', async () => {
    const io = new S3FileIO({ credentials: s3.credentials() });
    await io.write('s3://warehouse/t/a.bin', new Uint8Array([1, 2, 3]));
    expect([...(await io.read('s3://warehouse/t/a.bin'))]).toEqual([1, 2, 3]);
    expect((await io.stat('s3://warehouse/t/a.bin')).size).toBe(3);
    expect(await io.exists('s3://warehouse/t/missing')).toBe(false);
    await expect(io.read('s3://warehouse/t/missing')).rejects.toBeInstanceOf(FileNotFoundError);
    // several ListObjectsV2 pages (continuation tokens)
    const paged = new S3FileIO({ credentials: s3.credentials(), listPageSize: 2 });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        io.write(`s3://warehouse/p/${String(i).padStart(4, '0')}`, new Uint8Array([i])),
      ),
    );
    const listed: string[] = [];
    for await (const f of paged.list('s3://warehouse/p/')) listed.push(f.path);
    expect(listed).toEqual([0, 1, 2, 3, 4].map((i) => `s3://warehouse/p/000${i}`));
    await io.delete('s3://warehouse/t/a.bin');
    expect(await io.exists('s3://warehouse/t/a.bin')).toBe(false);
  });

  it('streams a multipart write and a read', async () => {
    const io = new S3FileIO({ credentials: s3.credentials(), partSize: 5 * 1024 * 1024 });
    const chunk = new Uint8Array(1024 * 1024).fill(7);
    const n = await io.writeStream(
      's3://warehouse/big.bin',
      (async function* () {
        for (let i = 0; i < 11; i++) yield chunk;
      })(),
    );
    expect(n).toBe(11 * 1024 * 1024);
    let total = 0;
    for await (const c of io.readStream('s3://warehouse/big.bin')) total += c.byteLength;
    expect(total).toBe(n);
  });

  it('refreshes vended credentials before they expire', async () => {
    let now = 1_000_000;
    let refreshed = 0;
    const io = new S3FileIO({
      credentials: { ...s3.credentials(), accessKeyId: 'EXPIRED', expiresAtMs: now + 60_000 },
      refresh: async () => {
        refreshed++;
        return { ...s3.credentials(), expiresAtMs: now + 3_600_000 };
      },
      now: () => now,
    });
    await io.write('s3://warehouse/r.bin', new Uint8Array([9]));
    expect(refreshed).toBe(1);
    now += 1000;
    await io.read('s3://warehouse/r.bin');
    expect(refreshed).toBe(1);
  });
});
