import { createReadStream } from 'node:fs';
import * as arrow from 'apache-arrow';
import { Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { inferSchema } from '../lib/formats/infer.js';
import { readBatches } from '../lib/formats/read-batches.js';
import { RowErrorCollector } from '../lib/formats/row-errors.js';
const input = process.argv[2]!;
const open = () => createReadStream(input) as AsyncIterable<Uint8Array>;
const schema = await inferSchema(open, input);
const batches: arrow.RecordBatch[] = [];
let t = performance.now();
for await (const b of readBatches(open(), input, schema, undefined, new RowErrorCollector('abort'))) batches.push(b);
console.log('parse ms', (performance.now() - t).toFixed(0));
t = performance.now();
const ipc = arrow.tableToIPC(new arrow.Table(batches), 'stream');
console.log('ipc ms', (performance.now() - t).toFixed(0), ipc.length);
const base = () => { let b = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(1 << 20); for (const c of ['id','amount','ratio','created_at','user_name']) b = b.setColumnDictionaryEnabled(c, false); return b; };
const variants: Record<string, () => WriterPropertiesBuilder> = {
  current: base,
  chunkStats: () => base().setStatisticsEnabled(EnabledStatistics.Chunk),
  noStats: () => base().setStatisticsEnabled(EnabledStatistics.None),
  wbs8k: () => base().setWriteBatchSize(8192),
  current2: base,
  chunkStats2: () => base().setStatisticsEnabled(EnabledStatistics.Chunk),
  wbs8k2: () => base().setWriteBatchSize(8192),
  snappy: () => base().setCompression(Compression.SNAPPY),
  lz4: () => base().setCompression(Compression.LZ4_RAW),
};
for (const [name, mk] of Object.entries(variants)) {
  const t0 = performance.now();
  const table = WasmTable.fromIPCStream(ipc);
  const t1 = performance.now();
  const c0 = process.cpuUsage();
  const out = writeParquet(table, mk().build());
  const c = process.cpuUsage(c0);
  console.log(name.padEnd(12), 'fromIPC', (t1 - t0).toFixed(0), 'encode ms', (performance.now() - t1).toFixed(0), 'cpu ms', ((c.user + c.system) / 1000).toFixed(0), 'bytes', out.length);
}
