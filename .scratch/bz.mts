import { decompress } from '../lib/formats/decompress.ts';
import { readFileSync } from 'node:fs';
const f = process.argv[2]; const comp = process.argv[3] as any;
async function* src() { const b = readFileSync(f); for (let i=0;i<b.length;i+=65536) yield b.subarray(i,i+65536); }
let n=0; const h = (await import('node:crypto')).createHash('md5');
try { for await (const c of decompress(src(), comp, f, Number(process.argv[4] ?? 1e12))) { n+=c.length; h.update(c);} console.log(n, h.digest('hex'), process.memoryUsage().rss>>20) } catch(e) { console.log('ERR', (e as Error).message, process.memoryUsage().rss>>20) }
