/**
 * Finds the ingest config a local command uses when `--config` is not given:
 * `floe.config.json`, `floe.config.yaml` or `floe.config.yml` in the working directory.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';

export const CONFIG_FILE_NAMES = ['floe.config.json', 'floe.config.yaml', 'floe.config.yml'];

/** The first config file present in `dir`, or undefined. */
export async function findConfigFile(dir: string): Promise<string | undefined> {
  for (const name of CONFIG_FILE_NAMES) {
    const path = join(dir, name);
    try {
      await access(path);
      return path;
    } catch {
      // next
    }
  }
  return undefined;
}
