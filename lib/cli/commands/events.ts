/**
 * `floe events [--follow] [--type T] [--json]`: the commit events `floe dev` appends to
 * `<dir>/events.ndjson` (the same events the Lambdas put on EventBridge, docs/events.md).
 * `--follow` keeps printing new events as they are appended, like `tail -f`.
 */
import { open, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { floeHome } from '../../local/floe-home.js';
import { eventsFile } from '../../local/ndjson-event-sink.js';

export const summary = 'print (and with --follow, tail) the commit events of floe dev';

const usage = `usage: floe events [--follow] [--type floe.TableCommitted|floe.FileRejected|floe.SchemaEvolved]
                   [--json] [--dir .floe]`;

const POLL_MS = 250;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string', default: '.floe' },
      follow: { type: 'boolean', short: 'f', default: false },
      type: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const path = eventsFile(floeHome(values.dir).root);
  const types = values.type ? new Set(values.type) : undefined;
  const print = (line: string) => {
    if (!line.trim()) return;
    let event: { 'detail-type'?: string; time?: string; detail?: Record<string, unknown> };
    try {
      event = JSON.parse(line);
    } catch {
      return; // a line being written; never happens with single appends, but never crash on it
    }
    if (types && !types.has(event['detail-type'] ?? '')) return;
    console.log(values.json ? line : describe(event));
  };

  let offset = 0;
  let partial = '';
  const readNew = async (): Promise<void> => {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return; // no events yet
    }
    if (size < offset) offset = 0; // the file was replaced
    if (size === offset) return;
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      offset = size;
      const lines = (partial + buffer.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) print(line);
    } finally {
      await handle.close();
    }
  };

  await readNew();
  if (!values.follow) return 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => void readNew(), POLL_MS);
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

function describe(event: { 'detail-type'?: string; time?: string; detail?: Record<string, unknown> }): string {
  const d = event.detail ?? {};
  const at = event.time?.slice(11, 19) ?? '';
  switch (event['detail-type']) {
    case 'floe.TableCommitted':
      return `${at} TableCommitted ${d.table} snapshot ${d.snapshotId}: +${d.addedRows} rows, +${d.addedFiles} files (${(d.sourceKeys as string[] | undefined)?.join(' ') ?? ''})`;
    case 'floe.FileRejected':
      return `${at} FileRejected   ${d.key}${d.line ? ` line ${d.line}` : ''}${d.column ? ` column ${d.column}` : ''}: ${d.reason} (report ${d.reportLocation})`;
    case 'floe.SchemaEvolved':
      return `${at} SchemaEvolved  ${d.table} schema ${d.previousSchemaId} → ${d.schemaId}: added ${JSON.stringify(d.added)}, widened ${JSON.stringify(d.widened)}`;
    default:
      return `${at} ${event['detail-type']} ${JSON.stringify(d)}`;
  }
}
