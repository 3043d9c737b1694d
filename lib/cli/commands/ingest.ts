/**
 * `floe ingest <file…> --table ns.t [--catalog URI] [--config FILE] [--dry-run] [--json]`: the
 * convert and commit path on local files, committed as one snapshot (a one-shot append backfill,
 * so the same ingest ids and dedup apply: ingesting the same file twice adds it once).
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseIdentifier } from '../../catalog/catalog.js';
import { inferSchema } from '../../formats/index.js';
import { stringifyJson } from '../../iceberg/json.js';
import { runBackfill } from '../../ingest/backfill.js';
import { chunkObjects } from '../../ingest/backfill-plan.js';
import { loadIngestConfig } from '../../ingest/config.js';
import { connectCatalog } from '../../local/catalog-connection.js';
import { findConfigFile } from '../../local/config-file.js';
import { localBackfillContext } from '../../local/local-backfill.js';
import { localEtag } from '../../local/local-objects.js';
import { LocalFileIO } from '../../storage/local.js';

export const summary = 'ingest local files into a table (same convert and commit path as the Lambdas)';

const usage = `usage: floe ingest <file...> --table ns.t [--dry-run] [--json] [--catalog URI | --dir .floe] [--config FILE]

--dry-run prints each file's inferred schema and writes nothing.`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      catalog: { type: 'string' },
      dir: { type: 'string', default: '.floe' },
      config: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0 || !values.table) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const table = parseIdentifier(values.table);
  const configPath = values.config ?? (await findConfigFile(process.cwd()));
  const config = configPath ? await loadIngestConfig(configPath) : undefined;
  const io = new LocalFileIO();
  const files = await Promise.all(
    positionals.map(async (p) => {
      const path = resolve(p);
      const s = await stat(path);
      return { path, size: s.size, etag: localEtag(s.size, s.mtimeMs), lastModifiedMs: s.mtimeMs };
    }),
  );

  if (values['dry-run']) {
    let failed = 0;
    for (const file of files) {
      try {
        const schema = await inferSchema(() => io.readStream(file.path), file.path, config?.defaults.format);
        if (values.json) console.log(stringifyJson({ file: file.path, schema }));
        else console.log(`${file.path}\n${schema.fields.map((f) => `  ${f.name}: ${String(f.type)}${f.required ? ' (required)' : ''}`).join('\n')}`);
      } catch (error) {
        failed++;
        console.log(values.json ? stringifyJson({ file: file.path, error: (error as Error).message }) : `${file.path}: ${(error as Error).message}`);
      }
    }
    return failed > 0 ? 1 : 0;
  }

  const connection = await connectCatalog({ catalog: values.catalog, dir: values.dir });
  try {
    const chunks = chunkObjects(files, { maxChunkFiles: 1 });
    const plan = { source: 'files', files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), chunks };
    const sourceRoot = dirname(files[0]?.path ?? process.cwd());
    const result = await runBackfill(plan, localBackfillContext(connection, table, sourceRoot, config), {
      mode: 'append',
      concurrency: 2,
      filesPerSnapshot: 10_000,
    });
    if (values.json) console.log(stringifyJson(result));
    else {
      console.log(
        `${values.table}: ${result.committed} file(s) committed (${result.rows} rows), ${result.skipped} already ingested, ${result.rejected} rejected` +
          (result.snapshotIds.length > 0 ? `; snapshot ${result.snapshotIds.join(', ')}` : ''),
      );
      for (const r of result.rejections) console.log(`  ✘ ${r.path}: ${r.reason} (see floe errors)`);
    }
    return result.rejected > 0 ? 1 : 0;
  } finally {
    await connection.close();
  }
}
