import { createReadStream } from 'node:fs';
import type * as arrow from 'apache-arrow';
import {
  Compression,
  EnabledStatistics,
  transformParquetStream,
  Table as WasmTable,
  WriterPropertiesBuilder,
  writeParquet,
} from 'parquet-wasm';
import { inferSchema } from '../lib/formats/infer.js';
import { resolveFormatOptions } from '../lib/formats/options.js';
import { readBatches } from '../lib/formats/read-batches.js';
import { RowErrorCollector } from '../lib/formats/row-errors.js';
import { avroName } from '../lib/iceberg/avro-name.js';
import { ColumnMetricsCollector } from '../lib/iceberg/parquet/column-metrics.js';
import { chooseDictionaryColumns } from '../lib/iceberg/parquet/dictionary-choice.js';
import { batchToIpc } from '../lib/iceberg/parquet/parquet-encoder.js';

const input = 'bench/.data/rows-v2-1000000.csv';
const open = () => createReadStream(input, { highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>;
const schema = await inferSchema(open, input);
const batches: arrow.RecordBatch[] = [];
let t = performance.now();
for await (const b of readBatches(open(), input, schema, resolveFormatOptions({}), new RowErrorCollector('abort')))
  batches.push(b as arrow.RecordBatch);
console.log('parse', ((performance.now() - t) / 1000).toFixed(3));
const dict = chooseDictionaryColumns(batches[0]!);
t = performance.now();
const ipcs = batches.map(batchToIpc);
console.log('toIPC', ((performance.now() - t) / 1000).toFixed(3));
t = performance.now();
const m = new ColumnMetricsCollector(schema, new Map());
for (const b of batches) m.add(b);
m.result();
console.log('metrics', ((performance.now() - t) / 1000).toFixed(3));
async function enc(label: string, f: (b: WriterPropertiesBuilder) => WriterPropertiesBuilder) {
  for (let rep = 0; rep < 2; rep++) {
    let b = new WriterPropertiesBuilder()
      .setCompression(Compression.ZSTD)
      .setMaxRowGroupSize(1 << 30)
      .setDataPageSizeLimit(1 << 20)
      .setDictionaryPageSizeLimit(2 << 20);
    for (const [c, e] of Object.entries(dict)) b = b.setColumnDictionaryEnabled(avroName(c), e);
    b = f(b);
    const t0 = performance.now();
    let dec = 0;
    const input = new ReadableStream({
      start(c) {
        for (const ipc of ipcs) {
          const d0 = performance.now();
          const tb = WasmTable.fromIPCStream(ipc);
          for (const rb of tb.recordBatches()) c.enqueue(rb);
          tb.free();
          dec += performance.now() - d0;
        }
        c.close();
      },
    });
    const out = await transformParquetStream(input as any, b.build());
    let n = 0;
    const r = (out as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await r.read();
      if (done) break;
      n += value.length;
    }
    console.log(label, ((performance.now() - t0) / 1000).toFixed(3), 'decode', (dec / 1000).toFixed(3), 'bytes', n);
  }
}
const ti = performance.now();
await import('parquet-wasm');
console.log('import', performance.now() - ti);
if (process.env.WARM) {
  const t1 = performance.now();
  const tb = WasmTable.fromIPCStream(batchToIpc(batches[0]!.slice(0, Number(process.env.WARM))));
  writeParquet(tb, new WriterPropertiesBuilder().setCompression(Compression.ZSTD).build());
  console.log('warm', ((performance.now() - t1) / 1000).toFixed(3));
}
await enc('default', (b) => b);
await enc('chunkstats', (b) => b.setStatisticsEnabled(EnabledStatistics.Chunk));
await enc('chunk+wbs8192', (b) => b.setStatisticsEnabled(EnabledStatistics.Chunk).setWriteBatchSize(8192));
await enc('default', (b) => b);
await enc('wbs8192', (b) => b.setWriteBatchSize(8192));
if (!process.env.SHORT) await enc('nostats', (b) => b.setStatisticsEnabled(EnabledStatistics.None));
if (!process.env.SHORT) await enc('uncompressed', (b) => b.setCompression(Compression.UNCOMPRESSED));
if (!process.env.SHORT) await enc('snappy', (b) => b.setCompression(Compression.SNAPPY));
