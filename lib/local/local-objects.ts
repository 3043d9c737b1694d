/**
 * Local files as landed objects. The ingest id of a landed object comes from
 * (bucket, key, version), invariant 1; for a local file:
 *
 * - a file under the landing directory is bucket `landing`, key = its path below the landing
 *   directory (`sales/orders/a.csv`), so `floe dev`, `floe ingest` and `floe backfill` agree on
 *   its id wherever they run from;
 * - any other file is bucket = the absolute directory it was named under, key = the rest;
 * - the version is `<size>-<mtimeMs>`, the ETag `LocalFileIO.stat` reports: a file rewritten in
 *   place is new data, a file merely seen again is not.
 */
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LandedObject } from '../ingest/landed-event.js';

/** The bucket name of the local landing directory. */
export const LOCAL_LANDING_BUCKET = 'landing';

/** The version string of a local file (matches `LocalFileIO.stat().etag`). */
export function localEtag(size: number, mtimeMs: number): string {
  return `${size}-${mtimeMs}`;
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

/** A local file as a `LandedObject`. */
export function localLandedObject(
  path: string,
  info: { size: number; mtimeMs: number },
  landingRoot: string,
  base?: string,
): LandedObject {
  const { bucket, key } = localObjectName(path, landingRoot, base);
  return {
    bucket,
    key,
    size: info.size,
    etag: localEtag(info.size, info.mtimeMs),
    eventTime: Math.round(info.mtimeMs),
  };
}

/** Where a local landed object's bytes are. */
export function localObjectPath(object: Pick<LandedObject, 'bucket' | 'key'>, landingRoot: string): string {
  return object.bucket === LOCAL_LANDING_BUCKET ? join(landingRoot, object.key) : join(object.bucket, object.key);
}
