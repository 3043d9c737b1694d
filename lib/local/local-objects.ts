/**
 * Local files as landed objects. The ingest id of a landed object comes from
 * (bucket, key, version), invariant 1; for a local file:
 *
 * - a file under the landing directory is bucket `landing`, key = its path below the landing
 *   directory (`sales/orders/a.csv`), so `floe dev`, `floe ingest` and `floe backfill` agree on
 *   its id wherever they run from;
 * - any other file is bucket = the absolute directory it was named under, key = the rest;
 * - the version is the SHA-256 of the file's bytes, computed once per landed file: unchanged
 *   bytes are never new data (`touch`, a copy with `cp -p`, a restore from backup all keep the
 *   id), and changed bytes always are, even at the same size and mtime. Size and mtime alone
 *   (what `LocalFileIO.stat` reports as its cheap ETag) would re-ingest a touched file, and miss
 *   a rewrite within the clock's resolution. Hashing reads the file once more (about 1 s per GB
 *   here), a price paid once per new or touched file, never per poll. S3 objects keep their
 *   version id or ETag (invariant 1).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LandedObject } from '../ingest/landed-event.js';

/** The bucket name of the local landing directory. */
export const LOCAL_LANDING_BUCKET = 'landing';

/** The version of a local file: `sha256:` and the hex SHA-256 of its bytes (see the module comment). */
export async function localContentVersion(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** Splits a local path into (bucket, key) as described above. `base` is the directory it was listed under. */
export function localObjectName(path: string, landingRoot: string, base?: string): { bucket: string; key: string } {
  const absolute = resolve(path);
  const underLanding = relative(resolve(landingRoot), absolute);
  if (!underLanding.startsWith('..') && !isAbsolute(underLanding)) {
    return { bucket: LOCAL_LANDING_BUCKET, key: underLanding.split(sep).join('/') };
  }
  const root = resolve(base ?? resolve(absolute, '..'));
  return { bucket: root, key: relative(root, absolute).split(sep).join('/') };
}

/** A local file as a `LandedObject`, its version the hash of its bytes. */
export async function localLandedObject(
  path: string,
  info: { size: number; mtimeMs: number },
  landingRoot: string,
  base?: string,
): Promise<LandedObject> {
  const { bucket, key } = localObjectName(path, landingRoot, base);
  return {
    bucket,
    key,
    size: info.size,
    etag: await localContentVersion(path),
    eventTime: Math.round(info.mtimeMs),
  };
}

/**
 * Gives each planned local file its content version as its ETag (a few files hashed at once), so
 * `floe ingest`/`floe backfill` derive the ingest ids `floe dev` derives.
 */
export async function withContentVersions<T extends { path: string; etag?: string }>(
  objects: T[],
  concurrency = 4,
): Promise<T[]> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const object = objects[i] as T;
      object.etag = await localContentVersion(object.path);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, objects.length) }, worker));
  return objects;
}

/** Where a local landed object's bytes are. */
export function localObjectPath(object: Pick<LandedObject, 'bucket' | 'key'>, landingRoot: string): string {
  return object.bucket === LOCAL_LANDING_BUCKET ? join(landingRoot, object.key) : join(object.bucket, object.key);
}
