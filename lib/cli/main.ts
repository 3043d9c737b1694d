/**
 * `floe` command-line entry point. Each command lives in its own module under `commands/`,
 * exporting `run(args): Promise<number>` (the exit code); its one-line summary is in
 * `summaries.ts` so that `floe --help` loads no command module (start-up, issue 16).
 */
import { SUMMARIES } from './summaries.js';

const commands: Record<string, () => Promise<{ run(args: string[]): Promise<number>; summary?: string }>> = {
  dev: () => import('./commands/dev.js'),
  inspect: () => import('./commands/inspect.js'),
  ingest: () => import('./commands/ingest.js'),
  backfill: () => import('./commands/backfill.js'),
  tables: () => import('./commands/tables.js'),
  scan: () => import('./commands/scan.js'),
  history: () => import('./commands/history.js'),
  errors: () => import('./commands/errors.js'),
  events: () => import('./commands/events.js'),
  catalog: () => import('./commands/catalog.js'),
  maintain: () => import('./commands/maintain.js'),
};

async function usage(): Promise<string> {
  const lines = ['usage: floe <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const summary =
      (SUMMARIES as Record<string, string>)[name] ??
      (await load().then(
        (m) => m.summary ?? '',
        () => '(unavailable)',
      ));
    lines.push(`  ${name.padEnd(10)} ${summary}`);
  }
  return lines.join('\n');
}

const [name, ...args] = process.argv.slice(2);
if (!name || name === '--help' || name === '-h' || name === 'help') {
  console.log(await usage());
  process.exit(name ? 0 : 1);
}
const load = commands[name];
if (!load) {
  console.error(`floe: unknown command "${name}"\n\n${await usage()}`);
  process.exit(2);
}
const command = await load();
// Errors a command lets through print as one line (command-errors.ts), not as a stack trace.
process.exitCode = await (await import('./command-errors.js')).runCommand(name, command, args);
