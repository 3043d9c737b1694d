/**
 * `ingestId`: the identity of one landed object version (invariant 1). Derived from
 * (bucket, key, version id or ETag), so a redelivered event maps to the same id while a changed
 * object uploaded again under the same key (new ETag / version) is new data. Data file names
 * start with it, and snapshot summaries record it, which is how commits are deduplicated.
 *
 * @example
 * ingestId({ bucket: 'landing', key: 'sales/orders/a.csv', etag: '"9b2cf535f27731c974343645a3985328"' }) // 'i3f0c9a…' (25 chars)
 */
import { createHash } from 'node:crypto';

export interface LandedObjectVersion {
  bucket: string;
  key: string;
  /** S3 version id, when the bucket is versioned (preferred: unique per upload). */
  versionId?: string;
  /** ETag, quoted or not. */
  etag?: string;
}

/** Raised when neither a version id nor an ETag identifies the object version. */
export class MissingObjectVersionError extends Error {
  override name = 'MissingObjectVersionError';
  constructor(readonly key: string) {
    super(`cannot derive an ingest id for ${key}: no version id or ETag`);
  }
}

/** A short stable id: `i` + 24 hex chars (96 bits of SHA-256), safe in file names and summaries. */
export function ingestId(object: LandedObjectVersion): string {
  const version = object.versionId
    ? `v:${object.versionId}`
    : object.etag
      ? `e:${object.etag.replace(/"/g, '')}`
      : undefined;
  if (!version) throw new MissingObjectVersionError(object.key);
  const hash = createHash('sha256').update(`${object.bucket}\u0000${object.key}\u0000${version}`).digest('hex');
  return `i${hash.slice(0, 24)}`;
}
