/**
 * A process that exits in the middle of a local write (a second Ctrl-C: `process.exit`) leaves
 * no `<file>.<uuid>.tmp` behind (issue #18).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

it('exiting mid-write removes the temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'floe-temp-'));
  dirs.push(dir);
  const script = join(dir, 'write.mts');
  const local = join(import.meta.dirname, '..', '..', 'lib', 'storage', 'local.ts');
  await writeFile(
    script,
    `import { readdirSync } from 'node:fs';
import { LocalFileIO } from ${JSON.stringify(local)};
async function* forever() {
  yield new Uint8Array(10);
  await new Promise(() => {});
}
void new LocalFileIO().writeStream(${JSON.stringify(join(dir, 'out', 'data.parquet'))}, forever());
setTimeout(() => {
  console.log(readdirSync(${JSON.stringify(join(dir, 'out'))}).join(','));
  process.exit(130);
}, 300);
`,
  );
  const child = await run(process.execPath, ['--import', 'tsx', script]).catch(
    (e: { stdout: string; code: number }) => e,
  );
  expect(child.stdout).toMatch(/data\.parquet\.[0-9a-f-]+\.tmp/); // it was being written
  expect(await readdir(join(dir, 'out'))).toEqual([]);
});
