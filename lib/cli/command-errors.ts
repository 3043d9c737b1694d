/**
 * One line for the errors a user meets, instead of a stack trace: a bad config (its field
 * names), a port in use, an unknown table, an unknown `--where` column, missing credentials, a
 * missing file. Anything else prints its message too; `FLOE_DEBUG=1` prints the stack.
 */

/** The one-line message for an error a command let through. */
export function errorLine(command: string, error: unknown): string {
  const e = error as Error & { code?: string; port?: number; address?: string; path?: string };
  const name = e?.name ?? '';
  const message = String(e?.message ?? error);
  let line: string;
  if (e?.code === 'EADDRINUSE')
    line = `port ${e.port ?? ''} is in use (another floe dev or catalog?): stop it or pass --port <another>`;
  else if (e?.code === 'ENOENT') line = `no such file or directory: ${e.path ?? message}`;
  else if (name === 'NoSuchTableError' || name === 'NoSuchNamespaceError')
    line = `${message} (floe tables lists the tables)`;
  else if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message))
    line = `no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`;
  else line = message; // ConfigError, ScanFilterError and the rest carry their own one-line message
  return `floe ${command}: ${line.split('\n')[0]}`;
}

/** Runs a command; an error escaping it is printed as one line (exit code 1). */
export async function runCommand(
  name: string,
  command: { run(args: string[]): Promise<number> },
  args: string[],
): Promise<number> {
  try {
    return await command.run(args);
  } catch (error) {
    if (process.env.FLOE_DEBUG) console.error(error);
    console.error(errorLine(name, error));
    return 1;
  }
}
