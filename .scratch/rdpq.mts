import { readBatches } from '../lib/formats/read-batches.ts';
import { RowErrorCollector } from '../lib/formats/row-errors.ts';
import { inferSchema } from '../lib/formats/infer.ts';
import { createReadStream } from 'node:fs';
const f = process.argv[2];
try {
  const schema = await inferSchema(() => createReadStream(f), f);
  let n = 0;
  for await (const b of readBatches(createReadStream(f), f, schema, undefined, new RowErrorCollector('abort'))) n += b.numRows;
  console.log('rows', n);
} catch (e) { console.log('caught', (e as Error).name, (e as Error).message.slice(0, 300)); }
console.log('after');
