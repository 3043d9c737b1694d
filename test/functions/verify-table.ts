/**
 * Reads an S3-backed table's current rows independently of floe's readers: lists the live data
 * files through the manifests, downloads them from s3rver and queries them with DuckDB.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, TableIdentifier } from '../../lib/catalog/catalog.js';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { liveDataFiles } from '../../lib/iceberg/scan.js';
import { openDuckDb, type Row, sqlString } from '../support/duckdb.js';

/** Runs `select` over the table's live data files as `t` (e.g. `select src, count(*) n from t group by src`). */
export async function queryTable(catalog: Catalog, io: FileIO, id: TableIdentifier, select: string): Promise<Row[]> {
  const loaded = await catalog.loadTable(id);
  const entries = await liveDataFiles(io, loaded.metadata);
  if (entries.length === 0) return [];
  const dir = await mkdtemp(join(tmpdir(), 'floe-verify-'));
  const db = await openDuckDb();
  try {
    const local: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const path = join(dir, `${i}.parquet`);
      await writeFile(path, await io.read(entry.data_file.file_path));
      local.push(path);
    }
    await db.query(
      `create view t as select * from read_parquet([${local.map(sqlString).join(',')}], union_by_name = true)`,
    );
    return await db.queryJson(select);
  } finally {
    db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
