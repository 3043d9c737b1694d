/**
 * How a CLI command finds its catalog, in this order:
 *
 * 1. `--catalog URI`: an Iceberg REST catalog over HTTP (floe's, Polaris, Dremio with
 *    `FLOE_CATALOG_TOKEN`);
 * 2. the running `floe dev` of `--dir` (it announces its URI in `<dir>/dev.json`), so commands
 *    never write the warehouse behind the dev server's back;
 * 3. otherwise an embedded catalog server started in-process over `<dir>/warehouse` on an
 *    ephemeral loopback port, stopped when the command ends.
 *
 * In every case the command talks REST over HTTP, through the same client and the same
 * optimistic commit path as the Lambdas.
 */
import type { Catalog, LoadedTable } from '../catalog/catalog.js';
import { bearerAuth } from '../catalog/rest/auth.js';
import { RestCatalog } from '../catalog/rest/client.js';
import { startCatalogServer } from '../catalog/server/server.js';
import type { FileIO } from '../iceberg/file-io.js';
import { LocalFileIO } from '../storage/local.js';
import { fileIOForTable, isS3Location } from '../storage/resolve.js';
import { ensureFloeHome, type FloeHome, floeHome, readDevState } from './floe-home.js';

export interface CatalogConnection {
  catalog: Catalog;
  /** The REST URI in use. */
  uri: string;
  /** How it was found. */
  source: 'flag' | 'dev' | 'embedded';
  home: FloeHome;
  /** S3-compatible endpoint for `s3://` locations, when the dev stack uses one. */
  s3Endpoint?: string;
  /** The FileIO for a table's files: vended credentials when the catalog sent some. */
  ioFor(table: LoadedTable): FileIO;
  close(): Promise<void>;
}

export interface ConnectOptions {
  catalog?: string;
  dir?: string;
  /** Catalog warehouse name sent as `?warehouse=` (Dremio: the project or catalog name). */
  warehouse?: string;
}

/** Connects as described above. */
export async function connectCatalog(options: ConnectOptions): Promise<CatalogConnection> {
  const home = floeHome(options.dir);
  const token = process.env.FLOE_CATALOG_TOKEN;
  const client = (uri: string) =>
    new RestCatalog({ uri, warehouse: options.warehouse, auth: token ? bearerAuth(token) : undefined });
  if (options.catalog) {
    return connection(client(options.catalog), options.catalog, 'flag', home, undefined, async () => {});
  }
  const dev = await readDevState(home);
  if (dev) return connection(client(dev.catalogUri), dev.catalogUri, 'dev', home, dev.s3Endpoint, async () => {});
  await ensureFloeHome(home);
  const server = await startCatalogServer({
    warehouse: home.warehouse,
    io: new LocalFileIO(),
    port: 0,
    host: '127.0.0.1',
  });
  return connection(client(server.url), server.url, 'embedded', home, undefined, () => server.close());
}

function connection(
  catalog: Catalog,
  uri: string,
  source: CatalogConnection['source'],
  home: FloeHome,
  s3Endpoint: string | undefined,
  close: () => Promise<void>,
): CatalogConnection {
  const local = new LocalFileIO();
  return {
    catalog,
    uri,
    source,
    home,
    s3Endpoint,
    ioFor(table) {
      if (!isS3Location(table.metadata.location)) return local;
      return fileIOForTable(table, {
        catalog,
        s3: { endpoint: s3Endpoint, forcePathStyle: s3Endpoint !== undefined ? true : undefined },
      });
    },
    close,
  };
}

/** Every table of every namespace (depth-first through nested namespaces). */
export async function listAllTables(catalog: Catalog): Promise<Array<{ namespace: string[]; name: string }>> {
  const out: Array<{ namespace: string[]; name: string }> = [];
  const seen = new Set<string>();
  const visit = async (parent?: string[]): Promise<void> => {
    let token: string | undefined;
    do {
      const page = await catalog.listNamespaces(parent, token);
      for (const namespace of page.items) {
        // Some catalogs list the parent itself or ignore `parent`: visit each namespace once.
        const name = namespace.join('\u001f');
        if (seen.has(name)) continue;
        seen.add(name);
        let tableToken: string | undefined;
        do {
          const tables = await catalog.listTables(namespace, tableToken);
          out.push(...tables.items);
          tableToken = tables.nextPageToken;
        } while (tableToken);
        await visit(namespace);
      }
      token = page.nextPageToken;
    } while (token);
  };
  await visit();
  return out;
}
