import { createReadStream } from 'node:fs';
import { inferSchema } from '../lib/formats/infer.js';
import { readBatches } from '../lib/formats/read-batches.js';
import { RowErrorCollector } from '../lib/formats/row-errors.js';
const input = process.argv[2]!;
const hwm = Number(process.argv[3] ?? 65536);
const open = () => createReadStream(input, { highWaterMark: hwm }) as AsyncIterable<Uint8Array>;
const schema = await inferSchema(open, input);
async function parseOnly() {
  let n = 0;
  for await (const b of readBatches(open(), input, schema, undefined, new RowErrorCollector('abort'))) n += b.numRows;
  return n;
}
const t = performance.now(); const c0 = process.cpuUsage();
const n = await parseOnly();
const c = process.cpuUsage(c0);
console.log('parse', n, 'ms', (performance.now() - t).toFixed(0), 'cpu ms', ((c.user + c.system) / 1000).toFixed(0));
