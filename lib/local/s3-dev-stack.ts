/**
 * `floe dev --s3-endpoint URL`: the local stack with an S3-compatible server (MinIO, s3rver) in
 * place of the landing and warehouse directories, so the S3 paths of the Lambdas run on a
 * laptop: landed objects are read from a landing bucket, error reports go to its `_floe/errors/`
 * prefix (as on AWS), and the embedded catalog keeps its tables in a warehouse bucket and
 * **vends** the server's credentials with every table load, so data files and manifests are
 * written through `fileIOForTable` and the vended credentials, exactly as the convert and commit
 * Lambdas do (invariant 7).
 *
 * The notification source is a listing poll ({@link S3LandingPoller}): S3-compatible servers
 * differ in their notification support (MinIO needs a configured target; s3rver only emits
 * in-process events), while every one of them lists. A poll sees each object version (key +
 * ETag) once per process; across restarts the dev stack's ingest-id check skips what the
 * table already holds.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Catalog, LoadedTable } from '../catalog/catalog.js';
import type { VendOption } from '../catalog/server/server.js';
import type { FileIO } from '../iceberg/file-io.js';
import type { LandedObject } from '../ingest/landed-event.js';
import { fileIOForTable } from '../storage/resolve.js';
import { S3FileIO } from '../storage/s3.js';

/** Settings of the S3-compatible server. */
export interface S3DevOptions {
  /** e.g. `http://127.0.0.1:9000`. */
  endpoint: string;
  /** @default 'landing' */
  landingBucket?: string;
  /** @default 'warehouse' */
  warehouseBucket?: string;
  /** @default AWS_ACCESS_KEY_ID, else 'minioadmin' */
  accessKeyId?: string;
  /** @default AWS_SECRET_ACCESS_KEY, else 'minioadmin' */
  secretAccessKey?: string;
  /** @default AWS_REGION, else 'us-east-1' */
  region?: string;
  /** Listing poll interval. @default 1000 */
  pollMs?: number;
}

/** floe's own prefix in the landing bucket (error reports), never ingested. */
export const S3_DEV_RESERVED_PREFIX = '_floe/';

/** Everything the dev stack needs to run on S3 instead of directories. */
export interface S3DevStorage {
  endpoint: string;
  landingBucket: string;
  /** `s3://<warehouse bucket>/`. */
  warehouse: string;
  /** The catalog server's own FileIO (metadata files). */
  serverIo: FileIO;
  /**
   * The catalog server's S3 client for its state files: table pointers are swapped with
   * conditional writes (If-Match / If-None-Match), so a lost race is a 409, never a lost commit.
   */
  serverS3Client: S3Client;
  /** What the catalog vends with each table (the server's credentials and endpoint). */
  vend: VendOption;
  /** Reads landed objects, writes error reports (ambient credentials, like the Lambda role). */
  landingIo: FileIO;
  /** A table's files, through the credentials the catalog vended. */
  tableIo(catalog: Pick<Catalog, 'loadCredentials'>): (table: LoadedTable) => FileIO;
  objectUri(object: Pick<LandedObject, 'bucket' | 'key'>): string;
  /** `s3://<landing bucket>/_floe/errors/`. */
  errorsLocation: string;
  /** Polls the landing bucket. */
  poller(onObject: (object: LandedObject) => void, onError?: (error: unknown) => void): S3LandingPoller;
}

/** Resolves the options (defaults from the AWS environment variables). */
export function s3DevStorage(options: S3DevOptions): S3DevStorage {
  const landingBucket = options.landingBucket ?? 'landing';
  const warehouseBucket = options.warehouseBucket ?? 'warehouse';
  const accessKeyId = options.accessKeyId ?? process.env.AWS_ACCESS_KEY_ID ?? 'minioadmin';
  const secretAccessKey = options.secretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY ?? 'minioadmin';
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const credentials = {
    prefix: 's3://',
    accessKeyId,
    secretAccessKey,
    region,
    endpoint: options.endpoint,
    pathStyleAccess: true,
  };
  const landingIo = new S3FileIO({ credentials: { ...credentials, prefix: `s3://${landingBucket}/` } });
  return {
    endpoint: options.endpoint,
    landingBucket,
    warehouse: `s3://${warehouseBucket}/`,
    serverIo: new S3FileIO({ credentials: { ...credentials, prefix: `s3://${warehouseBucket}/` } }),
    serverS3Client: new S3Client({
      region,
      endpoint: options.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId, secretAccessKey },
    }),
    // REST `config` keys of storage-credentials (Iceberg S3FileIO property names).
    vend: {
      config: {
        's3.access-key-id': accessKeyId,
        's3.secret-access-key': secretAccessKey,
        's3.endpoint': options.endpoint,
        's3.path-style-access': 'true',
        'client.region': region,
      },
    },
    landingIo,
    tableIo: (catalog) => (table) => fileIOForTable(table, { catalog }),
    objectUri: (object) => `s3://${object.bucket}/${object.key}`,
    errorsLocation: `s3://${landingBucket}/${S3_DEV_RESERVED_PREFIX}errors/`,
    poller: (onObject, onError) =>
      new S3LandingPoller({
        io: landingIo,
        bucket: landingBucket,
        pollMs: options.pollMs,
        onObject,
        onError: onError && ((error) => onError(new S3LandingError(landingBucket, options.endpoint, error))),
      }),
  };
}

export interface S3LandingPollerOptions {
  io: FileIO;
  bucket: string;
  /** @default 1000 */
  pollMs?: number;
  onObject(object: LandedObject): void;
  /** Called when a listing fails, once per distinct failure (the next poll tries again). */
  onError?(error: unknown): void;
}

/** A listing of the landing bucket failed; the message says what to check. */
export class S3LandingError extends Error {
  override name = 'S3LandingError';
  constructor(bucket: string, endpoint: string, cause: unknown) {
    const reason =
      (cause as Error)?.name === 'NoSuchBucket'
        ? 'the bucket does not exist'
        : String((cause as Error)?.message ?? cause);
    super(
      `cannot list s3://${bucket}/ at ${endpoint}: ${reason}. Check that the endpoint is right, that the buckets exist ` +
        '(--landing-bucket, --warehouse-bucket), and the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; ' +
        's3rver: S3RVER / S3RVER, MinIO: minioadmin / minioadmin)',
      { cause },
    );
  }
}

/**
 * The local stand-in for S3 event notifications: lists the landing bucket every `pollMs` and
 * announces each object version (key + ETag) it has not announced before, skipping floe's own
 * prefix and folder markers. The first poll announces everything already there (files that
 * landed while floe was down).
 */
export class S3LandingPoller {
  private readonly seen = new Map<string, string | undefined>();
  /** The last failure reported, so a failure repeating every poll is reported once. */
  private lastFailure: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: S3LandingPollerOptions) {}

  /** Runs the first poll, then polls on a timer. */
  async start(): Promise<void> {
    await this.poll();
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule());
    }, this.options.pollMs ?? 1000);
  }

  /** One listing pass. */
  async poll(): Promise<void> {
    const { bucket } = this.options;
    try {
      for await (const info of this.options.io.list(`s3://${bucket}/`)) {
        const key = info.path.slice(`s3://${bucket}/`.length);
        if (key.startsWith(S3_DEV_RESERVED_PREFIX) || key.endsWith('/')) continue;
        if (this.seen.has(key) && this.seen.get(key) === info.etag) continue;
        this.seen.set(key, info.etag);
        this.options.onObject({
          bucket,
          key,
          size: info.size,
          etag: info.etag,
          eventTime: info.lastModified?.getTime() ?? Date.now(),
        });
      }
      this.lastFailure = undefined;
    } catch (error) {
      const text = `${(error as Error)?.name}: ${(error as Error)?.message}`;
      if (text === this.lastFailure) return;
      this.lastFailure = text;
      this.options.onError?.(error);
    }
  }

  /** Stops polling (waits for a pass in progress). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling;
  }
}
