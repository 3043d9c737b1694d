/**
 * A small DuckDB harness for tests: an in-memory database per test file, used as the independent
 * Parquet reader (`read_parquet`, `parquet_schema`, `parquet_metadata`).
 *
 * @example
 * ```ts
 * const db = await openDuckDb();
 * const rows = await db.query(`SELECT * FROM read_parquet('${path}')`);
 * db.close();
 * ```
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** Rows come back as plain JS objects: BIGINT as bigint, DECIMAL as its string, DATE/TIMESTAMP as their JS forms. */
export type Row = Record<string, unknown>;

export interface DuckDb {
  /** Runs one statement and returns its rows as JS objects (`getRowObjectsJS`). */
  query(sql: string): Promise<Row[]>;
  /** Runs one statement and returns rows with values as JSON-friendly strings/numbers (`getRowObjectsJson`). */
  queryJson(sql: string): Promise<Row[]>;
  readonly connection: DuckDBConnection;
  close(): void;
}

/** Opens an in-memory DuckDB with one thread (tests share two cores). */
export async function openDuckDb(): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  return {
    connection,
    async query(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Row[];
    },
    async queryJson(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Row[];
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Quotes a string literal for SQL (file paths in `read_parquet('…')`). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
