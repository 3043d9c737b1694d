/**
 * Test helper: floe's embedded REST catalog on an ephemeral port over a temp warehouse, plus a
 * RestCatalog client pointed at it. Call `close()` in afterAll/afterEach.
 *
 * @example
 * const env = await startTestCatalog();
 * await env.catalog.createNamespace(['db']);
 * // … env.io writes files under env.warehouse …
 * await env.close();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestCatalog, type RestCatalogOptions } from '../../lib/catalog/rest/client.js';
import { type CatalogServer, type CatalogServerOptions, startCatalogServer } from '../../lib/catalog/server/server.js';
import { LocalFileIO } from '../../lib/storage/local.js';

export interface TestCatalog {
  server: CatalogServer;
  catalog: RestCatalog;
  io: LocalFileIO;
  /** The temp warehouse directory (an absolute path). */
  warehouse: string;
  /** Another client of the same server. */
  client(options?: Partial<RestCatalogOptions>): RestCatalog;
  close(): Promise<void>;
}

/** Starts the embedded server over a fresh temp warehouse (or `options.warehouse`). */
export async function startTestCatalog(options: Partial<CatalogServerOptions> = {}): Promise<TestCatalog> {
  const owned = options.warehouse === undefined;
  const warehouse = options.warehouse ?? (await mkdtemp(join(tmpdir(), 'floe-wh-')));
  const io = (options.io as LocalFileIO | undefined) ?? new LocalFileIO();
  const server = await startCatalogServer({ ...options, warehouse, io });
  const client = (o: Partial<RestCatalogOptions> = {}) => new RestCatalog({ uri: server.url, ...o });
  return {
    server,
    catalog: client(),
    io,
    warehouse,
    client,
    async close() {
      await server.close();
      if (owned) await rm(warehouse, { recursive: true, force: true });
    },
  };
}
