/**
 * Picks the `FileIO` for a location: `s3://…` goes to S3 (an S3-compatible endpoint such as
 * MinIO or s3rver when `--s3-endpoint` is given), anything else is the local file system.
 */
import type { FileIO } from '../iceberg/file-io.js';
import { LocalFileIO } from '../storage/local.js';
import { isS3Location, S3FileIO } from '../storage/s3.js';

/** The FileIO that reads and writes `location`. */
export function storageFor(location: string, s3Endpoint?: string): FileIO {
  if (isS3Location(location)) {
    return new S3FileIO({ endpoint: s3Endpoint, forcePathStyle: s3Endpoint !== undefined });
  }
  return new LocalFileIO();
}
