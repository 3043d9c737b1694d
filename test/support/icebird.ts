/**
 * icebird (hyparam), an independent Iceberg reader, pointed at local files. icebird reads over
 * HTTP with `fetch` and maps `s3://bucket/key` / `s3a://…` to `https://bucket.s3.amazonaws.com/key`;
 * while a read runs, a `globalThis.fetch` shim serves those URLs, `file://` URIs and bare
 * absolute paths from local files (GET, HEAD and `Range` requests).
 *
 * @example
 * ```ts
 * const rows = await readTableWithIcebird(tableDir); // table location → tableDir by default
 * const rows2 = await readTableWithIcebird(metadataFile, { prefixMap: { 's3a://bucket/t/': '/tmp/copy/' } });
 * ```
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { icebergRead } from 'icebird';
import type { FileIO } from '../../lib/iceberg/file-io.js';
import { parseJson } from '../../lib/iceberg/json.js';
import { decodeMetadataBytes, serializeTableMetadata } from '../../lib/iceberg/metadata.js';
import { applyUpdates, checkRequirements } from '../../lib/iceberg/metadata-builder.js';
import type { PendingFile, TableChange, TableMetadata } from '../../lib/iceberg/types.js';
import {
  findCurrentMetadata,
  type LocalTable,
  LocalTableFileIO,
  metadataVersion,
} from '../../lib/local/table-paths.js';

export interface IcebirdReadOptions {
  /** Extra path prefixes (as written in the metadata) → local directories. The table location maps to the table dir already. */
  prefixMap?: Record<string, string>;
}

/** Canonical form for matching: s3a/s3n → s3, icebird's https form → s3, file URIs → paths. */
function canonical(url: string): string {
  const https = /^https:\/\/([^./]+)\.s3\.amazonaws\.com(\/.*)$/.exec(url);
  if (https) return `s3://${https[1]}${https[2]}`;
  if (url.startsWith('s3a://') || url.startsWith('s3n://')) return `s3://${url.slice(6)}`;
  if (url.startsWith('file://')) {
    try {
      return fileURLToPath(url);
    } catch {
      return url.slice('file://'.length);
    }
  }
  if (url.startsWith('file:')) return url.slice('file:'.length);
  return url;
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** Maps a URL icebird fetches to a local file, or undefined. */
function localFileFor(url: string, prefixes: [string, string][]): string | undefined {
  const c = decodeURIComponent(canonical(url));
  for (const [prefix, dir] of prefixes) {
    if (c.startsWith(prefix)) return resolve(dir, c.slice(prefix.length));
  }
  if (c.startsWith('/') && existsSync(c)) return c;
  return undefined;
}

function serve(file: string | undefined, init?: RequestInit): Response {
  if (!file || !existsSync(file) || !statSync(file).isFile())
    return new Response('not found', { status: 404, statusText: 'Not Found' });
  const bytes = readFileSync(file);
  const method = (init?.method ?? 'GET').toUpperCase();
  if (method === 'HEAD')
    return new Response(null, { status: 200, headers: { 'content-length': String(bytes.length) } });
  const range = new Headers(init?.headers).get('range');
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (m) {
    const start = Number(m[1]);
    const end = m[2] ? Number(m[2]) + 1 : bytes.length;
    const slice = bytes.subarray(start, Math.min(end, bytes.length));
    return new Response(slice, {
      status: 206,
      headers: {
        'content-length': String(slice.length),
        'content-range': `bytes ${start}-${start + slice.length - 1}/${bytes.length}`,
      },
    });
  }
  return new Response(bytes, { status: 200, headers: { 'content-length': String(bytes.length) } });
}

/**
 * Reads every row of a table's current snapshot with icebird. `metadataPathOrTableDir` is a
 * metadata JSON file or a table directory (its newest metadata is used).
 */
export async function readTableWithIcebird(
  metadataPathOrTableDir: string,
  options: IcebirdReadOptions = {},
): Promise<Record<string, unknown>[]> {
  const metadataPath = findCurrentMetadata(metadataPathOrTableDir);
  // Parse losslessly: icebird's own JSON.parse would round 63-bit snapshot ids.
  const metadata = parseJson<Record<string, unknown>>(decodeMetadataBytes(readFileSync(metadataPath)));
  const parent = dirname(metadataPath);
  const tableDir = basename(parent) === 'metadata' ? dirname(parent) : parent;
  const location = String(metadata.location ?? '');
  const prefixes: [string, string][] = [];
  for (const [prefix, dir] of Object.entries(options.prefixMap ?? {}))
    prefixes.push([withSlash(canonical(prefix)), dir]);
  if (location) {
    prefixes.push([withSlash(canonical(location)), tableDir]);
    if (location.startsWith('./')) prefixes.push([withSlash(location.slice(2)), tableDir]);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);

  const release = installFetchShim(prefixes);
  try {
    return (await icebergRead({ tableUrl: location || tableDir, metadata: metadata as never })) as Record<
      string,
      unknown
    >[];
  } finally {
    release();
  }
}

/** Prefix maps of the reads in flight; one shim serves them all, so concurrent reads are safe. */
const activeMaps = new Set<[string, string][]>();
let realFetch: typeof fetch | undefined;

function installFetchShim(prefixes: [string, string][]): () => void {
  activeMaps.add(prefixes);
  if (!realFetch) {
    const original = globalThis.fetch;
    realFetch = original;
    globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      for (const map of activeMaps) {
        const file = localFileFor(url, map);
        if (file) return serve(file, init);
      }
      // Anything else over HTTP (an embedded REST catalog in the same test) goes to the real fetch.
      if (/^https?:\/\//.test(url) && !/\.s3\.amazonaws\.com\//.test(url)) return original(input, init);
      return serve(undefined, init);
    }) as typeof fetch;
  }
  return () => {
    activeMaps.delete(prefixes);
    if (activeMaps.size === 0 && realFetch) {
      globalThis.fetch = realFetch;
      realFetch = undefined;
    }
  };
}

/**
 * The FileIO of a fixture table copied to local disk. Wraps `LocalTableFileIO` and also accepts
 * `file://relative/...` URIs (duckdb-map_stats writes them; `fileURLToPath` rejects them), which
 * it maps onto the table directory like any other foreign location.
 */
export function fixtureTableIo(table: LocalTable): FileIO {
  const location = table.metadata.location;
  const relativeFileUri = location.startsWith('file://') && !location.startsWith('file:///');
  if (!relativeFileUri) return table.io;
  const io = new LocalTableFileIO(location.replace(/^file:\/\//, 'rel://'), table.tableDir);
  const map = (p: string) =>
    p.startsWith('file://') && !p.startsWith('file:///') ? p.replace(/^file:\/\//, 'rel://') : p;
  return {
    read: (p) => io.read(map(p)),
    readStream: (p) => io.readStream(map(p)),
    write: (p, b) => io.write(map(p), b),
    writeStream: (p, c) => io.writeStream(map(p), c),
    exists: (p) => io.exists(map(p)),
    stat: (p) => io.stat(map(p)),
    delete: (p) => io.delete(map(p)),
    list: (p) => io.list(map(p)),
  };
}

/**
 * Commits a snapshot product to a table on local disk the way a Hadoop catalog would: writes the
 * pending files, applies the change, writes `v<N+1>.metadata.json` and `version-hint.text`.
 * Returns the new metadata. (Tests only: no locking, no requirement checks beyond the builder's.)
 */
export async function commitToLocalTable(
  table: LocalTable,
  io: FileIO,
  product: { change: TableChange; files: PendingFile[] },
): Promise<TableMetadata> {
  for (const file of product.files) await io.write(file.path, file.bytes);
  checkRequirements(table.metadata, product.change.requirements);
  const next = applyUpdates(table.metadata, product.change.updates);
  const metadataDir = dirname(table.metadataPath);
  const version = (metadataVersion(basename(table.metadataPath)) ?? 0) + 1;
  const path = join(metadataDir, `v${version}.metadata.json`);
  writeFileSync(path, serializeTableMetadata(next));
  writeFileSync(join(metadataDir, 'version-hint.text'), String(version));
  table.metadata = next;
  table.metadataPath = path;
  return next;
}
