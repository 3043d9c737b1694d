/**
 * `S3FileIO`: FileIO over Amazon S3 (or anything that speaks its API: MinIO, s3rver).
 *
 * A table's files are written with the credentials the catalog vends for that table
 * (REST `storage-credentials`, invariant 7); vended credentials expire (apache/polaris#464: about
 * an hour), so a `refresh` provider is called shortly before `expiresAtMs` and the client rebuilt.
 * Without credentials the SDK's default chain applies (the Lambda role).
 *
 * @example
 * const io = new S3FileIO({ credentials: loaded.credentials?.[0], refresh: () => catalog.loadCredentials(id).then(pickFirst) });
 * await io.write('s3://warehouse/ns/t/data/a.parquet', bytes);
 */

import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type FileInfo, type FileIO, FileNotFoundError, type ReadOptions } from '../iceberg/file-io.js';
import type { StorageCredentials } from '../iceberg/storage-credentials.js';

/** A parsed `s3://bucket/key` (also accepts `s3a://` and `s3n://`, as Hadoop writers use them). */
export interface S3Location {
  bucket: string;
  key: string;
}

/** Raised for a path that is not an `s3://` URI. */
export class InvalidS3PathError extends Error {
  override name = 'InvalidS3PathError';
  constructor(readonly path: string) {
    super(`not an s3:// path: ${path}`);
  }
}

const S3_URI = /^s3[an]?:\/\/([^/]+)\/?(.*)$/;

/** True for `s3://`, `s3a://` and `s3n://` locations (the one test of an S3 URI). */
export function isS3Location(location: string): boolean {
  return S3_URI.test(location);
}

/** Splits `s3://bucket/key` into bucket and key. */
export function parseS3Uri(path: string): S3Location {
  const match = S3_URI.exec(path);
  if (!match) throw new InvalidS3PathError(path);
  return { bucket: match[1] as string, key: match[2] as string };
}

export interface S3FileIOOptions {
  /** Vended credentials; absent means the SDK default chain. */
  credentials?: StorageCredentials;
  /** Called before `credentials.expiresAtMs` (minus `refreshMarginMs`) for fresh ones. */
  refresh?: () => Promise<StorageCredentials | undefined>;
  /** @default 5 minutes */
  refreshMarginMs?: number;
  /** Region when neither the credentials nor the environment give one. @default 'us-east-1' */
  region?: string;
  /** Endpoint override (MinIO, s3rver), used when the credentials carry none. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Keys per ListObjectsV2 page. @default 1000 (the S3 maximum) */
  listPageSize?: number;
  /** Multipart part size for `writeStream`. @default 8 MiB */
  partSize?: number;
  /** Extra client options (tests, retries). */
  clientConfig?: S3ClientConfig;
  /** Clock, for tests of the refresh. */
  now?: () => number;
}

export class S3FileIO implements FileIO {
  private client: S3Client;
  private credentials: StorageCredentials | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: S3FileIOOptions = {}) {
    this.credentials = options.credentials;
    this.client = this.buildClient();
  }

  private buildClient(): S3Client {
    const c = this.credentials;
    const o = this.options;
    return new S3Client({
      region: c?.region ?? o.region ?? process.env.AWS_REGION ?? 'us-east-1',
      endpoint: c?.endpoint ?? o.endpoint,
      forcePathStyle: c?.pathStyleAccess ?? o.forcePathStyle,
      ...(c
        ? {
            credentials: {
              accessKeyId: c.accessKeyId,
              secretAccessKey: c.secretAccessKey,
              sessionToken: c.sessionToken,
            },
          }
        : {}),
      ...o.clientConfig,
    });
  }

  /** The client, with credentials refreshed first when they are about to expire. */
  private async s3(): Promise<S3Client> {
    const expires = this.credentials?.expiresAtMs;
    const now = (this.options.now ?? Date.now)();
    const margin = this.options.refreshMarginMs ?? 5 * 60_000;
    if (expires !== undefined && this.options.refresh && now >= expires - margin) {
      this.refreshing ??= (async () => {
        try {
          const fresh = await this.options.refresh?.();
          if (fresh) {
            this.credentials = fresh;
            this.client.destroy();
            this.client = this.buildClient();
          }
        } finally {
          this.refreshing = undefined;
        }
      })();
      await this.refreshing;
    }
    return this.client;
  }

  async read(path: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(path);
    const client = await this.s3();
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async *readStream(path: string, options: ReadOptions = {}): AsyncIterable<Uint8Array> {
    const { bucket, key } = parseS3Uri(path);
    const client = await this.s3();
    let body: AsyncIterable<Uint8Array>;
    try {
      // A version id pins the bytes an event announced; without it a later overwrite would be read.
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: options.versionId }));
      body = out.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      throw notFoundOr(error, path);
    }
    for await (const chunk of body) yield chunk;
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    const client = await this.s3();
    // A single PUT is atomic on S3: readers see the old object or the new one, never a part.
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.byteLength }));
  }

  async writeStream(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    const { bucket, key } = parseS3Uri(path);
    const client = await this.s3();
    let written = 0;
    const counted = (async function* () {
      for await (const chunk of chunks) {
        written += chunk.byteLength;
        yield chunk;
      }
    })();
    // Multipart: the object only appears when CompleteMultipartUpload succeeds; Upload aborts
    // the upload on failure so no part is left behind to bill.
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: readableFrom(counted) },
      partSize: this.options.partSize ?? 8 * 1024 * 1024,
      queueSize: 2,
    });
    await upload.done();
    return written;
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.stat(path);
      return true;
    } catch (error) {
      if (error instanceof FileNotFoundError) return false;
      throw error;
    }
  }

  async stat(path: string): Promise<FileInfo> {
    const { bucket, key } = parseS3Uri(path);
    const client = await this.s3();
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { path, size: out.ContentLength ?? 0, etag: out.ETag, lastModified: out.LastModified };
    } catch (error) {
      throw notFoundOr(error, path);
    }
  }

  async delete(path: string): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    const client = await this.s3();
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async *list(prefix: string): AsyncIterable<FileInfo> {
    const { bucket, key } = parseS3Uri(prefix);
    const scheme = prefix.slice(0, prefix.indexOf('://') + 3);
    let token: string | undefined;
    do {
      const client = await this.s3();
      const out = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: key,
          ContinuationToken: token,
          MaxKeys: this.options.listPageSize,
        }),
      );
      for (const object of out.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          path: `${scheme}${bucket}/${object.Key}`,
          size: object.Size ?? 0,
          etag: object.ETag,
          lastModified: object.LastModified,
        };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
}

/** Node's Readable from an async iterable (lib-storage wants a stream or buffer body). */
function readableFrom(chunks: AsyncIterable<Uint8Array>): Readable {
  return Readable.from(chunks, { objectMode: false });
}

function notFoundOr(error: unknown, path: string): unknown {
  const name = (error as { name?: string })?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    name === 'NoSuchKey' ||
    name === 'NotFound' ||
    name === 'NoSuchVersion' ||
    status === 404
  ) {
    return new FileNotFoundError(path, { cause: error });
  }
  return error;
}
