/**
 * `FileIO`: the only way floe touches bytes at rest. Paths are URIs as they appear in Iceberg
 * metadata: `s3://bucket/key`, `file:///abs/path`, or a bare absolute path.
 *
 * Implementations: `local.ts` (a directory tree) and `s3.ts` (S3, optionally with the
 * credentials a catalog vends for one table).
 */
export interface FileInfo {
  path: string;
  size: number;
  /** ETag or a content version, when the store has one. */
  etag?: string;
  lastModified?: Date;
}

/** Options of `FileIO.readStream`. */
export interface ReadOptions {
  /** The object version to read (S3 `VersionId`); absent reads the current version. */
  versionId?: string;
}

export interface FileIO {
  /** Reads a whole (small) file: metadata, manifests. */
  read(path: string): Promise<Uint8Array>;
  /**
   * Streams a file of any size without holding it in memory. `versionId` reads that version of
   * an object in a versioned store (S3); stores without versions ignore it.
   */
  readStream(path: string, options?: ReadOptions): AsyncIterable<Uint8Array>;
  /** Writes a file, replacing any previous content. Readers never see a partial file. */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /**
   * Writes a file from a stream of chunks (multipart on S3), so a large data file is never held
   * whole in memory. Readers never see a partial file. Returns the bytes written.
   */
  writeStream(path: string, chunks: AsyncIterable<Uint8Array>): Promise<number>;
  exists(path: string): Promise<boolean>;
  stat(path: string): Promise<FileInfo>;
  delete(path: string): Promise<void>;
  /** Lists files whose path starts with `prefix`, in lexical order. */
  list(prefix: string): AsyncIterable<FileInfo>;
}

/** Raised when a path does not exist; `FileIO.read`/`stat` throw it rather than a store-specific error. */
export class FileNotFoundError extends Error {
  override name = 'FileNotFoundError';
  constructor(
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(`file not found: ${path}`, options);
  }
}
