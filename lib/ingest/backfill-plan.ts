/**
 * Backfill planning (issue 8): list a prefix, or read a manifest of keys, and group the objects
 * into chunks bounded by bytes and by count. A chunk is the unit of parallel conversion (one
 * Distributed Map item on AWS, one worker slot locally).
 *
 * The plan is deterministic for the same listing (lexical key order), which is what makes a
 * killed backfill resumable: the rerun plans the same chunks, and the ingest ids already in the
 * table are skipped at commit (invariant 1).
 *
 * @example
 * const plan = await planBackfill(io, { prefix: 's3://landing/sales/orders/' }, { maxChunkFiles: 50 });
 * for (const chunk of plan.chunks) await convertChunk(chunk);
 */
import type { FileInfo, FileIO } from '../iceberg/file-io.js';

/** One object to backfill, as listed. `etag` feeds the ingest id (it must match live ingestion's). */
export interface BackfillObject {
  /** Path or URI as `FileIO` understands it. */
  path: string;
  size: number;
  etag?: string;
  /** Epoch milliseconds. */
  lastModifiedMs?: number;
}

export interface BackfillChunk {
  index: number;
  objects: BackfillObject[];
  bytes: number;
}

export interface BackfillPlan {
  /** The prefix or manifest the plan came from. */
  source: string;
  files: number;
  bytes: number;
  chunks: BackfillChunk[];
}

export interface ChunkLimits {
  /** Most bytes per chunk (a single larger object gets a chunk of its own). @default 64 MiB */
  maxChunkBytes?: number;
  /** Most objects per chunk. @default 100 */
  maxChunkFiles?: number;
}

export type BackfillSource = { prefix: string } | { manifest: string };

/** Raised for a backfill execution input or payload that does not have the contract's shape. */
export class BackfillInputError extends Error {
  override name = 'BackfillInputError';
}

/** Raised when a manifest of keys names an object that does not exist or cannot be read. */
export class BackfillPlanError extends Error {
  override name = 'BackfillPlanError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Groups objects, in order, into chunks of at most `maxChunkFiles` objects and `maxChunkBytes` bytes. */
export function chunkObjects(objects: readonly BackfillObject[], limits: ChunkLimits = {}): BackfillChunk[] {
  const maxBytes = limits.maxChunkBytes ?? 64 * 1024 * 1024;
  const maxFiles = limits.maxChunkFiles ?? 100;
  const chunks: BackfillChunk[] = [];
  let current: BackfillChunk | undefined;
  for (const object of objects) {
    if (
      !current ||
      current.objects.length >= maxFiles ||
      (current.objects.length > 0 && current.bytes + object.size > maxBytes)
    ) {
      current = { index: chunks.length, objects: [], bytes: 0 };
      chunks.push(current);
    }
    current.objects.push(object);
    current.bytes += object.size;
  }
  return chunks;
}

/** Parses a manifest of keys: one path or URI per line; blank lines and `#` comments are skipped. */
export function parseKeyManifest(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

/** Joins a manifest entry to a base: absolute paths and URIs stay as they are. */
function resolveKey(base: string, key: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(key) || key.startsWith('/')) return key;
  return base.endsWith('/') ? base + key : `${base}/${key}`;
}

/**
 * Lists the source and chunks it. With `{ manifest }`, relative keys resolve against
 * `keyBase` (default: the manifest's directory) and each object is `stat`ed for its size and ETag.
 */
export async function planBackfill(
  io: FileIO,
  source: BackfillSource,
  options: ChunkLimits & { keyBase?: string; filter?: (path: string) => boolean } = {},
): Promise<BackfillPlan> {
  const objects: BackfillObject[] = [];
  const keep = options.filter ?? (() => true);
  if ('prefix' in source) {
    for await (const info of io.list(source.prefix)) {
      if (keep(info.path)) objects.push(toObject(info));
    }
  } else {
    const text = new TextDecoder().decode(await io.read(source.manifest));
    const base = options.keyBase ?? source.manifest.slice(0, source.manifest.lastIndexOf('/') + 1);
    for (const key of parseKeyManifest(text)) {
      const path = resolveKey(base, key);
      if (!keep(path)) continue;
      try {
        objects.push(toObject(await io.stat(path)));
      } catch (error) {
        throw new BackfillPlanError(`backfill manifest ${source.manifest} names ${path}, which cannot be read`, {
          cause: error,
        });
      }
    }
  }
  const chunks = chunkObjects(objects, options);
  return {
    source: 'prefix' in source ? source.prefix : source.manifest,
    files: objects.length,
    bytes: objects.reduce((n, o) => n + o.size, 0),
    chunks,
  };
}

function toObject(info: FileInfo): BackfillObject {
  return { path: info.path, size: info.size, etag: info.etag, lastModifiedMs: info.lastModified?.getTime() };
}
