/**
 * Orphan file removal (Java `DeleteOrphanFiles`, Dremio `VACUUM TABLE … REMOVE ORPHAN FILES`):
 * files under the table location that no metadata references and that are older than a safety
 * age. Referenced means: the current metadata file and those in `metadata-log`, every
 * snapshot's manifest list, manifests, data and delete files (any entry status), and statistics
 * files. The safety age (default 3 days, well above the longest convert-to-commit delay: SQS
 * keeps a commit request at most 14 days only in a DLQ, which operators redrive by hand) keeps
 * the files of in-flight conversions and commits; files of crashed conversions age into orphans.
 *
 * Paths are compared in a canonical form (`s3a://`/`s3n://` → `s3://`, `file:` URIs → paths),
 * because writers spell the same object differently.
 */
import { fileURLToPath } from 'node:url';
import type { TableIdentifier } from '../../catalog/catalog.js';
import { ManifestPathCache, reachableFiles, statisticsFiles } from '../../iceberg/snapshot/index.js';
import { deleteFiles, type MaintenanceContext } from './maintenance-context.js';

/** Default safety age: as S3 Tables' unreferenced-file removal, 3 days. */
export const DEFAULT_ORPHAN_AGE_MS = 3 * 86_400_000;

export interface OrphanReport {
  operation: 'orphans';
  olderThanMs: number;
  /** Files listed under the table location. */
  listedFiles: number;
  referencedFiles: number;
  /** Unreferenced but younger than the safety age: kept. */
  tooYoung: number;
  /** Deleted (or, in a dry run, that would be). */
  orphans: string[];
  dryRun: boolean;
}

/** A canonical spelling of a file location for comparison. */
export function canonicalPath(path: string): string {
  if (path.startsWith('s3a://') || path.startsWith('s3n://')) return `s3://${path.slice(6)}`;
  if (path.startsWith('file:')) {
    try {
      return fileURLToPath(path);
    } catch {
      return path.replace(/^file:(\/\/)?/, '');
    }
  }
  return path;
}

/** Deletes unreferenced files under the table location that are older than `olderThanMs`. */
export async function removeOrphanFiles(
  id: TableIdentifier,
  context: MaintenanceContext,
  olderThanMs = DEFAULT_ORPHAN_AGE_MS,
): Promise<OrphanReport> {
  const now = (context.now ?? Date.now)();
  const table = await context.catalog.loadTable(id);
  const io = context.tableIo(table);
  const metadata = table.metadata;
  const reached = await reachableFiles(new ManifestPathCache(io, metadata), metadata.snapshots);
  const referenced = new Set(
    [
      table.metadataLocation,
      ...(metadata['metadata-log'] ?? []).map((e) => e['metadata-file']),
      ...reached.manifestLists,
      ...reached.manifests,
      ...reached.contentFiles,
      ...statisticsFiles(metadata),
    ].map(canonicalPath),
  );
  const report: OrphanReport = {
    operation: 'orphans',
    olderThanMs,
    listedFiles: 0,
    referencedFiles: referenced.size,
    tooYoung: 0,
    orphans: [],
    dryRun: context.dryRun === true,
  };
  const location = metadata.location.replace(/\/+$/, '');
  for await (const file of io.list(`${location}/`)) {
    report.listedFiles++;
    if (referenced.has(canonicalPath(file.path))) continue;
    // Without a modification time a file's age is unknown: keep it.
    if (!file.lastModified || now - file.lastModified.getTime() < olderThanMs) {
      report.tooYoung++;
      continue;
    }
    report.orphans.push(file.path);
  }
  // A commit may have landed while we listed: reload and keep anything it references now.
  if (report.orphans.length > 0 && !context.dryRun) {
    const fresh = await context.catalog.loadTable(id);
    if (fresh.metadataLocation !== table.metadataLocation) {
      const again = await reachableFiles(new ManifestPathCache(io, fresh.metadata), fresh.metadata.snapshots);
      const now2 = new Set(
        [fresh.metadataLocation, ...again.manifestLists, ...again.manifests, ...again.contentFiles].map(canonicalPath),
      );
      report.orphans = report.orphans.filter((p) => !now2.has(canonicalPath(p)));
    }
    await deleteFiles(io, report.orphans);
  }
  return report;
}
