/**
 * The local stack's directory (`./.floe` by default): where the warehouse, the landing directory
 * and the error reports live, and where a running `floe dev` announces its catalog URI so the
 * other commands (`floe scan`, `floe backfill`, …) talk to it rather than to the files behind
 * its back.
 *
 * ```
 * .floe/
 *   warehouse/   table metadata and data (the embedded catalog's warehouse)
 *   landing/     drop files at landing/<namespace>/<table>/<file>
 *   errors/      <key>.error.json for each rejected file
 *   ledger/      <table uuid>/<ingest id>.json: ingest ids committed (survive snapshot expiry)
 *   dev.json     { pid, catalogUri } while `floe dev` runs
 * ```
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface FloeHome {
  root: string;
  warehouse: string;
  landing: string;
  errors: string;
  /** Durable ingest-ledger markers (lib/ingest/ingest-ledger.ts). */
  ledger: string;
  devState: string;
}

/** The layout under `dir` (absolute paths). */
export function floeHome(dir = '.floe'): FloeHome {
  const root = resolve(dir);
  return {
    root,
    warehouse: join(root, 'warehouse'),
    landing: join(root, 'landing'),
    errors: join(root, 'errors'),
    ledger: join(root, 'ledger'),
    devState: join(root, 'dev.json'),
  };
}

/** Creates the directories of the layout. */
export async function ensureFloeHome(home: FloeHome): Promise<void> {
  for (const dir of [home.warehouse, home.landing, home.errors]) await mkdir(dir, { recursive: true });
}

/** What a running `floe dev` writes to `dev.json`. */
export interface DevState {
  pid: number;
  catalogUri: string;
  /** Where the warehouse is (a directory or an `s3://` URI). */
  warehouse: string;
  landing: string;
  errors: string;
  /** S3-compatible endpoint when `--s3-endpoint` is in use. */
  s3Endpoint?: string;
}

/** Records the running dev stack. */
export async function writeDevState(home: FloeHome, state: DevState): Promise<void> {
  // Write aside and rename: a CLI command reading it concurrently never sees half a file.
  const aside = `${home.devState}.${process.pid}.tmp`;
  await writeFile(aside, `${JSON.stringify(state, null, 2)}\n`);
  await rename(aside, home.devState);
}

/** Removes `dev.json` if it is ours (a second `floe dev` may have replaced it). */
export async function clearDevState(home: FloeHome, pid = process.pid): Promise<void> {
  const state = await readDevState(home, { requireAlive: false });
  if (state?.pid === pid) await rm(home.devState, { force: true });
}

/** The running dev stack's state, or undefined when none runs (a stale file from a killed process is ignored). */
export async function readDevState(
  home: FloeHome,
  options: { requireAlive?: boolean } = {},
): Promise<DevState | undefined> {
  let state: DevState;
  try {
    state = JSON.parse(await readFile(home.devState, 'utf8')) as DevState;
  } catch {
    return undefined;
  }
  if (options.requireAlive === false) return state;
  return isAlive(state.pid) ? state : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
