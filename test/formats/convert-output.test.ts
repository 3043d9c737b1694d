import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ConvertFileRequest, convertFile, rejectedRowsNdjson } from '../../lib/ingest/convert-file.js';
import { LocalFileIO } from '../../lib/storage/local.js';
import { openDuckDb, sqlString } from '../support/duckdb.js';
import { bytesOf, schemaOf } from './roundtrip.js';

const schema = schemaOf([
  ['k', 'string'],
  ['n', 'int'],
]);
const csv = `k,n\n${Array.from({ length: 2000 }, (_, i) => `${i % 2 ? 'b' : 'a'},${i}`).join('\n')}\n`;

async function inTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'floe-convert-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function request(dir: string, data: string, extra: Partial<ConvertFileRequest> = {}): ConvertFileRequest {
  return {
    source: bytesOf(data, 4096),
    fileName: 'in.csv',
    schema,
    spec: { 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'k', transform: 'identity' }] },
    formatVersion: 2,
    io: new LocalFileIO(),
    dataLocation: dir,
    namePrefix: 'ingest-1',
    encoder: 'inline',
    ...extra,
  };
}

describe('convertFile output', () => {
  it('writes one file per partition with deterministic names, and a retry rewrites the same paths', async () => {
    await inTempDir(async (dir) => {
      const first = await convertFile(request(dir, csv));
      const paths = first.dataFiles.map((f) => f.file_path).sort();
      expect(paths).toHaveLength(2);
      expect(paths[0]).toMatch(/\/k=a\/ingest-1-[^/]+\.parquet$/);
      expect(paths[1]).toMatch(/\/k=b\/ingest-1-[^/]+\.parquet$/);
      const again = await convertFile(request(dir, csv));
      expect(again.dataFiles.map((f) => f.file_path).sort()).toEqual(paths);
      const db = await openDuckDb();
      try {
        for (const f of first.dataFiles) {
          const rows = await db.query(`SELECT DISTINCT k FROM read_parquet(${sqlString(f.file_path)})`);
          expect(rows).toHaveLength(1);
          expect(Number(f.record_count)).toBe(1000);
        }
      } finally {
        db.close();
      }
    });
  });

  it('rolls over to a new file per partition at the target file size', async () => {
    await inTempDir(async (dir) => {
      const r = await convertFile(
        request(dir, csv, {
          options: { batchRows: 100 },
          properties: { 'write.target-file-size-bytes': '2000', 'write.parquet.row-group-size-bytes': '1000' },
        }),
      );
      expect(r.dataFiles.length).toBeGreaterThan(2);
      expect(r.dataFiles.reduce((n, f) => n + Number(f.record_count), 0)).toBe(2000);
    });
  });

  it('skip_file rejects like abort and leaves no data files behind', async () => {
    await inTempDir(async (dir) => {
      const bad = `${csv}a,notanint\n`;
      await expect(
        convertFile(request(dir, bad, { onError: 'skip_file', options: { batchRows: 100 } })),
      ).rejects.toMatchObject({
        name: 'BadInputError',
        line: 2002,
        column: 'n',
      });
      const left = await readdir(dir, { recursive: true });
      expect(left.filter((p) => String(p).endsWith('.parquet'))).toEqual([]);
    });
  });

  it('continue writes good rows and gives the rejected rows as NDJSON with line, column, value and reason', async () => {
    await inTempDir(async (dir) => {
      const r = await convertFile(request(dir, 'k,n\na,1\nb,x\n', { onError: 'continue' }));
      expect(r.rows).toBe(1);
      const lines = new TextDecoder()
        .decode(rejectedRowsNdjson(r.rejected))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual([
        { file: 'in.csv', line: 3, column: 'n', value: 'x', reason: expect.stringMatching(/not an int/), raw: 'b,x' },
      ]);
    });
  });
});
