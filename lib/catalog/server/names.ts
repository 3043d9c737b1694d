/**
 * Namespace levels and table names of the embedded catalog reach the file system (pointer files,
 * default table locations), so each is checked before use: no path separators, no `.`/`..`, no
 * control characters (the level separator U+001F among them, so names stay unambiguous), at most
 * 255 UTF-8 bytes (a file name). Polaris and Java's `CatalogUtil` forbid the same kinds of names.
 */
import { ServerError } from './server-error.js';

/** The longest name (namespace level or table), in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const FORBIDDEN = /[/\\\u0000-\u001f\u007f]/;

/** The reason `name` is refused, or undefined when it is fine. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (name === '.' || name === '..') return `must not be "${name}"`;
  if (FORBIDDEN.test(name)) return 'must not contain "/", "\\" or control characters';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `must be at most ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** Throws a 400 unless every namespace level is a valid name. */
export function checkNamespace(levels: unknown): string[] {
  if (!Array.isArray(levels) || levels.length === 0)
    throw new ServerError(400, 'BadRequestException', 'namespace must be a non-empty array of names');
  levels.forEach((level, i) => {
    const problem = nameProblem(level);
    if (problem) throw new ServerError(400, 'BadRequestException', `invalid namespace level ${i + 1}: ${problem}`);
  });
  return levels as string[];
}

/** Throws a 400 unless `name` is a valid table name. */
export function checkTableName(name: unknown): string {
  const problem = nameProblem(name);
  if (problem) throw new ServerError(400, 'BadRequestException', `invalid table name: ${problem}`);
  return name as string;
}
