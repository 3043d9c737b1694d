/**
 * The `floe dev` status page (issue #14), served at the root of the catalog's port (the REST API
 * stays under `/v1`): every table with rows, files, snapshots and last commit; the latest files
 * with outcome and latency; rejected files with line, column, value and their report; rows and
 * latency per minute over the last hour (uPlot, served from node_modules). The page updates
 * through server-sent events (`/api/stream`) and reads `/api/status`. Plain HTML, CSS and a
 * little script: no build step.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog } from '../../catalog/catalog.js';
import { formatIdentifier } from '../../catalog/catalog.js';
import { currentSnapshot } from '../../iceberg/metadata.js';
import type { HistoryRow } from '../../ingest/history-row.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/** Files the page is made of: URL path → [file, content type]. */
const ASSETS: Record<string, [() => string, string]> = {
  '/': [() => join(HERE, 'index.html'), 'text/html; charset=utf-8'],
  '/status.css': [() => join(HERE, 'status.css'), 'text/css; charset=utf-8'],
  '/status.js': [() => join(HERE, 'status.js'), 'text/javascript; charset=utf-8'],
  '/vendor/uplot.js': [() => require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  '/vendor/uplot.css': [() => require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
};

/** Rows kept in memory: the chart's hour, and at most this many. */
const MAX_ROWS = 5000;
const HOUR_MS = 3600_000;

export interface TableStatus {
  table: string;
  rows: number;
  files: number;
  snapshots: number;
  lastCommit: string | null;
}

export interface StatusSnapshot {
  tables: TableStatus[];
  recent: HistoryRow[];
  rejected: HistoryRow[];
  /** Per minute over the last hour: minute start (epoch s), files, rows, mean latency (ms). */
  series: { minute: number[]; files: number[]; rows: number[]; latencyMs: Array<number | null> };
}

export interface StatusPageOptions {
  catalog(): Catalog;
  /** Reads an error report the page links to. */
  readReport(path: string): Promise<Uint8Array>;
  now?: () => number;
}

export class StatusPage {
  readonly #rows: HistoryRow[] = [];
  readonly #clients = new Set<ServerResponse>();
  #keepAlive: NodeJS.Timeout | undefined;

  constructor(private readonly options: StatusPageOptions) {}

  /** Adds recorded outcomes and tells every open page. */
  add(rows: readonly HistoryRow[]): void {
    this.#rows.push(...rows);
    const cutoff = this.#now() - HOUR_MS;
    while (
      this.#rows.length > MAX_ROWS ||
      (this.#rows[0] && this.#rows[0].recorded_at < cutoff && this.#rows.length > 100)
    )
      this.#rows.shift();
    this.notify();
  }

  /** Tells open pages to refresh (a commit changed a table). */
  notify(): void {
    for (const client of this.#clients) client.write(`event: update\ndata: ${Date.now()}\n\n`);
  }

  /** Answers a request outside `/v1`; false when the path is not the page's. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const asset = ASSETS[url.pathname];
    if (asset) {
      res.writeHead(200, { 'content-type': asset[1], 'cache-control': 'no-cache' });
      res.end(await readFile(asset[0]()));
      return true;
    }
    if (url.pathname === '/api/status') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(await this.status()));
      return true;
    }
    if (url.pathname === '/api/stream') {
      this.#stream(req, res);
      return true;
    }
    if (url.pathname === '/report') {
      const path = url.searchParams.get('path') ?? '';
      // Only reports the page itself links to, never an arbitrary file.
      if (!this.#rows.some((r) => r.error_report === path)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('no such report\n');
        return true;
      }
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(await this.options.readReport(path));
      return true;
    }
    return false;
  }

  /** What the page shows, as `/api/status` returns it. */
  async status(): Promise<StatusSnapshot> {
    const newest = [...this.#rows].reverse();
    return {
      tables: await this.#tables(),
      recent: newest.slice(0, 50),
      rejected: newest.filter((r) => r.outcome === 'rejected' || r.outcome === 'partial').slice(0, 50),
      series: this.#series(),
    };
  }

  /** Closes the open streams (the server is stopping). */
  close(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  #stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write('retry: 2000\n\n');
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
    // A comment now and then keeps idle connections (and proxies) open.
    this.#keepAlive ??= setInterval(() => {
      for (const client of this.#clients) client.write(': keep-alive\n\n');
    }, 15_000).unref();
  }

  async #tables(): Promise<TableStatus[]> {
    const catalog = this.options.catalog();
    const out: TableStatus[] = [];
    for (const namespace of await listAll((token) => catalog.listNamespaces(undefined, token))) {
      for (const id of await listAll((token) => catalog.listTables(namespace, token))) {
        try {
          const { metadata } = await catalog.loadTable(id);
          const head = currentSnapshot(metadata);
          out.push({
            table: formatIdentifier(id),
            rows: Number(head?.summary['total-records'] ?? 0),
            files: Number(head?.summary['total-data-files'] ?? 0),
            snapshots: metadata.snapshots.length,
            lastCommit: head ? new Date(head['timestamp-ms']).toISOString() : null,
          });
        } catch {
          // dropped while listing
        }
      }
    }
    return out.sort((a, b) => a.table.localeCompare(b.table));
  }

  #series(): StatusSnapshot['series'] {
    const now = this.#now();
    const first = Math.floor((now - HOUR_MS) / 60_000) + 1;
    const minute: number[] = [];
    const files: number[] = [];
    const rows: number[] = [];
    const latency: number[] = [];
    for (let m = first; m <= Math.floor(now / 60_000); m++) {
      minute.push(m * 60);
      files.push(0);
      rows.push(0);
      latency.push(0);
    }
    for (const row of this.#rows) {
      if (row.outcome !== 'committed') continue;
      const i = Math.floor(row.recorded_at / 60_000) - first;
      if (i < 0 || i >= minute.length) continue;
      files[i] = (files[i] as number) + 1;
      rows[i] = (rows[i] as number) + row.rows;
      latency[i] = (latency[i] as number) + row.latency_ms;
    }
    return {
      minute,
      files,
      rows,
      latencyMs: latency.map((total, i) =>
        (files[i] as number) > 0 ? Math.round(total / (files[i] as number)) : null,
      ),
    };
  }
}

async function listAll<T>(page: (token?: string) => Promise<{ items: T[]; nextPageToken?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const result = await page(token);
    all.push(...result.items);
    token = result.nextPageToken;
  } while (token);
  return all;
}
