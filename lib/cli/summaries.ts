/** One line per command for `floe --help`, kept apart so that help loads no command module. */

export const SUMMARIES = {
  dev: 'run floe locally: embedded catalog + watched landing directory (npm start)',
  inspect: 'show an Iceberg table on local disk: schema, specs, snapshots, live files',
  ingest: 'ingest local files into a table (same convert and commit path as the Lambdas)',
  backfill: 'backfill a directory (or a manifest of paths) into a table, append or replace-partitions',
  tables: 'list the tables of the catalog',
  scan: 'print the rows of a table (partition pruning, then Parquet)',
  history: 'list the snapshots of a table and the files each one ingested',
  errors: 'list the error reports of files that could not be ingested',
  catalog: 'run the embedded Iceberg REST catalog (catalog serve --port 8181 --dir <warehouse>)',
} as const satisfies Record<string, string>;
