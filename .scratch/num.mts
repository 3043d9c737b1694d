import { parseDouble } from '../lib/formats/scalar-parse.ts';
const e = new TextEncoder();
for (const t of ['0.00000000000000000000001','0.0000000000000000000001','1e-300','.5','5.','-0','1E+05','123456789012345678','4.9e-324','2e-324', '00.1', '1_0']) { const b = e.encode(t); console.log(t, parseDouble(b,0,b.length), Number(t)); }
