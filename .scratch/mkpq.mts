import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:'); const c = await db.connect();
await c.run(`copy (select i as id, 'name' || i as name, i * 1.5 as v from range(100000) t(i)) to '/tmp/good.parquet' (format parquet, compression 'uncompressed', row_group_size 50000)`);
await c.run(`copy (select i as id, 'name' || i as name from range(100000) t(i)) to '/tmp/goodz.parquet' (format parquet, compression 'snappy')`);
