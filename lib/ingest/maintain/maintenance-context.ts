/**
 * What every maintenance operation needs: the catalog, the table's FileIO, the ingest ledger (so
 * expiry never shortens the dedup window), a clock and the dry-run switch.
 */
import type { Catalog, LoadedTable } from '../../catalog/catalog.js';
import type { CommitOptions } from '../../catalog/commit-driver.js';
import type { FileIO } from '../../iceberg/file-io.js';
import type { IngestLedger } from '../ingest-ledger.js';

export interface MaintenanceContext {
  catalog: Catalog;
  /** FileIO for a table's files. */
  tableIo(table: LoadedTable): FileIO;
  /** Durable ingest-id markers; expiry writes the ids of the snapshots it removes here first. */
  ledger?: IngestLedger;
  now?: () => number;
  /** Plan and report, change nothing. */
  dryRun?: boolean;
  commit?: Pick<CommitOptions, 'retry' | 'signal'>;
}

/** Raised inside a commit attempt when the fresh base leaves nothing to do. */
export class NothingToDo extends Error {
  override name = 'NothingToDo';
}

/** Deletes files, a few at a time, ignoring ones already gone. Returns how many were deleted. */
export async function deleteFiles(io: FileIO, paths: readonly string[], concurrency = 16): Promise<number> {
  let next = 0;
  let deleted = 0;
  const worker = async () => {
    while (next < paths.length) {
      const path = paths[next++] as string;
      await io.delete(path);
      deleted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return deleted;
}
