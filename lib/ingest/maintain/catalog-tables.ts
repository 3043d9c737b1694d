/** Every table of a catalog, for maintenance runs over "all tables". */
import type { Catalog, TableIdentifier } from '../../catalog/catalog.js';

/** Every table of every namespace (top level and nested), following page tokens. */
export async function catalogTables(catalog: Catalog): Promise<TableIdentifier[]> {
  const out: TableIdentifier[] = [];
  const visit = async (parent: string[] | undefined): Promise<void> => {
    let token: string | undefined;
    do {
      const page = await catalog.listNamespaces(parent, token);
      for (const ns of page.items) {
        let tableToken: string | undefined;
        do {
          const tables = await catalog.listTables(ns, tableToken);
          out.push(...tables.items);
          tableToken = tables.nextPageToken;
        } while (tableToken);
        // Nested namespaces, where the catalog has them (a catalog without them answers an error).
        if (ns.length > (parent?.length ?? 0)) await visit(ns).catch(() => undefined);
      }
      token = page.nextPageToken;
    } while (token);
  };
  await visit(undefined);
  return out;
}
