/**
 * S3 object versions for backfill planning: live events of a versioned bucket carry the version
 * id, and a backfill's ingest ids must match theirs (invariant 1). `lib/ingest` takes the
 * {@link ObjectVersions} interface; this file is its S3 adapter (ListObjectVersions, HeadObject).
 */
import { HeadObjectCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseS3Uri } from './s3.js';

/** The latest version of one object. */
export interface ObjectVersion {
  /** `s3://bucket/key`. */
  path: string;
  size: number;
  etag?: string;
  versionId?: string;
  /** Epoch milliseconds. */
  lastModifiedMs?: number;
}

/** Version ids of landed objects, as backfill planning needs them. */
export interface ObjectVersions {
  /**
   * The latest versions under an `s3://` prefix, sorted by path. `unsupported` when the store does
   * not implement version listing (s3rver, some S3-compatible servers: the plain listing's ETags
   * then identify the objects, as they do in such a store's events); `denied` when the role lacks
   * `s3:ListBucketVersions` (then {@link fillVersionIds} HEADs each object instead).
   */
  listLatest(prefix: string): Promise<ObjectVersion[] | 'unsupported' | 'denied'>;
  /** Fills in each object's current version id and its ETag (HeadObject), in place. */
  fillVersionIds(objects: Array<{ path: string; etag?: string; versionId?: string }>): Promise<void>;
}

/** HEAD requests at once when filling in version ids. */
const HEAD_CONCURRENCY = 16;

/** {@link ObjectVersions} over an S3 client. */
export function s3ObjectVersions(s3: S3Client): ObjectVersions {
  return {
    listLatest: (prefix) => listLatestVersions(s3, prefix),
    fillVersionIds: (objects) => fillVersionIds(s3, objects),
  };
}

async function listLatestVersions(s3: S3Client, prefix: string): Promise<ObjectVersion[] | 'unsupported' | 'denied'> {
  const { bucket, key } = parseS3Uri(prefix);
  const objects: ObjectVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      for (const version of page.Versions ?? []) {
        if (!version.IsLatest || version.Key === undefined) continue;
        objects.push({
          path: `s3://${bucket}/${version.Key}`,
          size: version.Size ?? 0,
          etag: version.ETag,
          // An unversioned bucket lists version "null"; its events carry no version id.
          versionId: version.VersionId && version.VersionId !== 'null' ? version.VersionId : undefined,
          lastModifiedMs: version.LastModified?.getTime(),
        });
      }
      // A key whose latest version is a delete marker is gone: its older versions are not listed as latest.
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'MethodNotAllowed' || name === 'NotImplemented') return 'unsupported';
    if (name === 'AccessDenied') return 'denied';
    throw error;
  }
  return objects.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function fillVersionIds(
  s3: S3Client,
  objects: Array<{ path: string; etag?: string; versionId?: string }>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects.length; i = next++) {
      const object = objects[i] as (typeof objects)[number];
      const { bucket, key } = parseS3Uri(object.path);
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      if (head.VersionId && head.VersionId !== 'null') object.versionId = head.VersionId;
      // The HEAD's ETag belongs to the same version as its version id.
      if (head.ETag) object.etag = head.ETag;
    }
  };
  await Promise.all(Array.from({ length: Math.min(HEAD_CONCURRENCY, objects.length) }, worker));
}
