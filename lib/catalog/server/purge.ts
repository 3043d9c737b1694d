/**
 * Purge (`DELETE …/tables/{table}?purgeRequested=true`) deletes the files a table's metadata
 * references, as Java's `CatalogUtil.dropTableData` does: data and delete files from every
 * snapshot's manifests, the manifests, the manifest lists, statistics and partition-statistics
 * files, and the metadata files (current and `metadata-log`). Never a directory tree, and only
 * paths inside the warehouse (confinement.ts): a table cannot name another table's or anyone
 * else's files into deletion. A file is read (manifest list, manifest) only when it is a regular
 * file of bounded size, so a FIFO or device cannot hang the request.
 */
import { readManifest } from '../../iceberg/avro/manifest.js';
import { readManifestList } from '../../iceberg/avro/manifest-list.js';
import type { TableMetadata } from '../../iceberg/types.js';
import type { FileIO } from '../../iceberg/file-io.js';
import { toLocalPath } from '../../storage/local.js';
import type { Confinement } from './confinement.js';
import { readRegularFile } from './special-files.js';

/** The largest manifest or manifest list purge reads (bytes). */
const MAX_READ_BYTES = 256 * 1024 * 1024;

/** Every file the metadata references that lies inside the warehouse (paths as the metadata names them). */
export async function referencedFiles(
  metadata: TableMetadata,
  metadataLocation: string,
  io: FileIO,
  confinement: Confinement,
): Promise<string[]> {
  const files = new Set<string>();
  const readable = async (path: string): Promise<Uint8Array | undefined> => {
    if (!(await confinement.inside(path))) return undefined;
    // Locally: only a regular file of bounded size (a FIFO or device must not hang the request).
    if (!confinement.remote) return readRegularFile(toLocalPath(path), MAX_READ_BYTES).catch(() => undefined);
    return io.read(path).catch(() => undefined);
  };
  const manifests = new Set<string>();
  for (const snapshot of metadata.snapshots) {
    const list = snapshot['manifest-list'];
    if (list) {
      files.add(list);
      const bytes = await readable(list);
      if (bytes) for (const m of safely(() => readManifestList(bytes))) manifests.add(m.manifest_path);
    }
    for (const m of snapshot.manifests ?? []) manifests.add(m);
  }
  for (const manifest of manifests) {
    files.add(manifest);
    const bytes = await readable(manifest);
    if (bytes) for (const entry of safely(() => readManifest(bytes).entries)) files.add(entry.data_file.file_path);
  }
  for (const s of metadata.statistics ?? []) files.add(s['statistics-path']);
  for (const s of metadata['partition-statistics'] ?? []) files.add(s['statistics-path']);
  for (const m of metadata['metadata-log'] ?? []) files.add(m['metadata-file']);
  files.add(metadataLocation);
  const out: string[] = [];
  for (const file of files) if (await confinement.inside(file)) out.push(file);
  return out;
}

/** Deletes the referenced files; returns how many. */
export async function purgeTable(
  metadata: TableMetadata,
  metadataLocation: string,
  io: FileIO,
  confinement: Confinement,
): Promise<number> {
  const files = await referencedFiles(metadata, metadataLocation, io, confinement);
  for (const file of files) await io.delete(file);
  return files.length;
}

function safely<T>(fn: () => T[]): T[] {
  try {
    return fn();
  } catch {
    // A corrupt manifest: its own path is still deleted, its entries cannot be known.
    return [];
  }
}
