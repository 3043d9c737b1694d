/**
 * The argument preamble every `floe` command shares: `node:util` `parseArgs` with `--help`/`-h`
 * added, and one behaviour for the three ways a command should not run: `--help` prints the
 * usage and exits 0; an unknown option or a bad value, or arguments the command cannot use,
 * print the reason (when there is one) and the usage and exit 2.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const;
type Config<O extends Options> = { args: string[]; allowPositionals: true; options: O & typeof HELP };

/** What a command gets: `values` (with defaults applied) and `positionals`. */
export type CommandArgs<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

/**
 * Parses `args` for command `name`: the parsed arguments, or the exit code when the command
 * should not run (see the module comment). `usable` says whether the arguments are complete
 * (e.g. one positional and `--table`); by default any parse is.
 */
export function parseCommandArgs<const O extends Options>(
  name: string,
  args: string[],
  usage: string,
  options: O,
  usable: (parsed: CommandArgs<O>) => boolean = () => true,
): CommandArgs<O> | number {
  let parsed: CommandArgs<O>;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...options, ...HELP } }) as CommandArgs<O>;
  } catch (error) {
    console.error(`floe ${name}: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    return 0;
  }
  if (!usable(parsed)) {
    console.log(usage);
    return 2;
  }
  return parsed;
}
