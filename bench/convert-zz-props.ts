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
const variants: Record<string, () => WriterPropertiesBuilder> = {
  default: () => new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(1 << 20),
  rg122k: () => new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(122880),
  chunkStats: () => new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(1 << 20).setStatisticsEnabled(EnabledStatistics.Chunk),
  noDict: () => new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(1 << 20).setDictionaryEnabled(false),
  dictLowCard: () => { let b = new WriterPropertiesBuilder().setCompression(Compression.ZSTD).setMaxRowGroupSize(1 << 20).setStatisticsEnabled(EnabledStatistics.Chunk); for (const c of ['id','amount','ratio','created_at','user_name']) b = b.setColumnDictionaryEnabled(c, false); return b; },
  snappy: () => new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setMaxRowGroupSize(1 << 20),
};
for (const [name, mk] of Object.entries(variants)) {
  const t0 = performance.now();
  const table = WasmTable.fromIPCStream(ipc);
  const t1 = performance.now();
  const out = writeParquet(table, mk().build());
  console.log(name.padEnd(12), 'fromIPC', (t1 - t0).toFixed(0), 'encode ms', (performance.now() - t1).toFixed(0), 'bytes', out.length);
}
