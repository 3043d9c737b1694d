/**
 * Picks the FileIO for a location: `s3://` (and `s3a://`, `s3n://`) → `S3FileIO`, anything else
 * (`file:` URIs, absolute paths) → `LocalFileIO`. For a table, the S3 client uses the
 * credentials the catalog vended for the table's location (longest prefix wins, REST
 * `storage-credentials`) and refreshes them through the catalog's credentials endpoint before
 * they expire (invariant 7: storage access uses vended credentials).
 */

import type { FileIO } from '../iceberg/file-io.js';
import { chooseCredentials, type StorageCredentials } from '../iceberg/storage-credentials.js';
import { LocalFileIO } from './local.js';
import { isS3Location, S3FileIO, type S3FileIOOptions } from './s3.js';

export { isS3Location } from './s3.js';

/** FileIO for a location with ambient credentials (landing bucket, local directories). */
export function fileIOForLocation(location: string, s3Options: S3FileIOOptions = {}): FileIO {
  return isS3Location(location) ? new S3FileIO(s3Options) : new LocalFileIO();
}

/** What `fileIOForTable` needs of a loaded table (structurally, a catalog's `LoadedTable`). */
export interface TableStorage<Id> {
  identifier: Id;
  metadata: { location: string };
  credentials?: StorageCredentials[];
}

/** FileIO for a loaded table's files, with its vended credentials kept fresh. */
export function fileIOForTable<Id>(
  loaded: TableStorage<Id>,
  options: { catalog?: { loadCredentials(id: Id): Promise<StorageCredentials[]> }; s3?: S3FileIOOptions } = {},
): FileIO {
  const location = loaded.metadata.location;
  if (!isS3Location(location)) return new LocalFileIO();
  const { catalog } = options;
  return new S3FileIO({
    ...options.s3,
    credentials: chooseCredentials(loaded.credentials, location) ?? options.s3?.credentials,
    refresh: catalog
      ? async () => chooseCredentials(await catalog.loadCredentials(loaded.identifier), location)
      : undefined,
  });
}
