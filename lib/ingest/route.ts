/**
 * `routeObject`: which table a landed object belongs to, or why it is skipped.
 *
 * Skipped (not an error): keys outside the landing prefix, zero-byte "folder" markers (`a/b/`),
 * paths with a segment starting with `_` or `.` (`_SUCCESS`, `_temporary/`, `.DS_Store`, as
 * Hadoop and Spark ignore them), and floe's own prefixes (error reports, spilled commit
 * requests). Rejected with a `RouteError` (deterministic bad input, invariant 4): keys with a
 * `..` segment or control characters, and table names that are not valid identifiers, so
 * nothing from a key reaches a catalog URL unless it matched `IDENTIFIER_PATTERN`.
 */
import picomatch from 'picomatch';
import type { TableIdentifier } from '../catalog/catalog.js';
import { IDENTIFIER_PATTERN, type IngestConfig, type RouteSettings } from './config.js';

/** A key that can never be routed: acknowledged with an error report, never retried. */
export class RouteError extends Error {
  override name = 'RouteError';
  constructor(
    readonly key: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${JSON.stringify(key)}: ${reason}`, options);
  }
}

export interface RoutedObject {
  kind: 'table';
  table: TableIdentifier;
  settings: RouteSettings;
  /** The key below the landing prefix. */
  relativeKey: string;
  /** `col=value` directory segments, when the route reads hive partition columns. */
  hiveValues: Record<string, string>;
}

export interface SkippedObject {
  kind: 'skip';
  reason: string;
}

export interface RouteContext {
  /** floe's own prefixes in the landing bucket (errors, spilled commit requests, archive). */
  reservedPrefixes?: string[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Routes an object key (size in bytes, when known) through the config. */
export function routeObject(
  key: string,
  size: number | undefined,
  config: IngestConfig,
  context: RouteContext = {},
): RoutedObject | SkippedObject {
  for (const reserved of context.reservedPrefixes ?? []) {
    if (reserved && key.startsWith(reserved)) return { kind: 'skip', reason: `floe's own prefix ${reserved}` };
  }
  if (!key.startsWith(config.landingPrefix))
    return { kind: 'skip', reason: `outside landing prefix ${config.landingPrefix}` };
  if (key.endsWith('/')) return { kind: 'skip', reason: 'folder marker' };
  if (size === 0) return { kind: 'skip', reason: 'empty object' };
  if (CONTROL.test(key)) throw new RouteError(key, 'key contains control characters');
  const relativeKey = key.slice(config.landingPrefix.length).replace(/^\/+/, '');
  const segments = relativeKey.split('/');
  if (segments.some((s) => s === '..')) throw new RouteError(key, 'key contains a ".." segment');
  if (segments.some((s) => s.startsWith('_') || s.startsWith('.'))) {
    return { kind: 'skip', reason: 'hidden or marker path (segment starts with _ or .)' };
  }

  for (const route of config.routes) {
    const hit =
      route.prefix !== undefined
        ? relativeKey.startsWith(route.prefix)
        : matcherFor(route.match as string)(relativeKey);
    if (hit) return routed(key, route.table, route.settings, relativeKey, segments);
  }
  if (config.routes.length > 0) return { kind: 'skip', reason: 'no route matches' };

  // Convention: <namespace>/<table>/<anything>.
  if (segments.length < 3) {
    throw new RouteError(key, 'expected <namespace>/<table>/<file> under the landing prefix (no route config)');
  }
  const [namespace, name] = segments as [string, string];
  for (const part of [namespace, name]) {
    if (!IDENTIFIER_PATTERN.test(part)) throw new RouteError(key, `"${part}" is not a valid namespace or table name`);
  }
  return routed(key, { namespace: [namespace], name }, config.defaults, relativeKey, segments.slice(2));
}

function routed(
  key: string,
  table: TableIdentifier,
  settings: RouteSettings,
  relativeKey: string,
  segments: string[],
): RoutedObject {
  const hiveValues: Record<string, string> = {};
  if (settings.hivePartitions) {
    for (const segment of segments.slice(0, -1)) {
      const eq = segment.indexOf('=');
      if (eq <= 0) continue;
      const column = segment.slice(0, eq);
      if (!IDENTIFIER_PATTERN.test(column))
        throw new RouteError(key, `hive column "${column}" is not a valid column name`);
      hiveValues[column] = decodeHiveValue(segment.slice(eq + 1));
    }
  }
  return { kind: 'table', table, settings, relativeKey, hiveValues };
}

/** Hive escapes path values with %XX (FileUtils.escapePathName); `__HIVE_DEFAULT_PARTITION__` is null. */
function decodeHiveValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const matchers = new Map<string, (key: string) => boolean>();
function matcherFor(glob: string): (key: string) => boolean {
  let matcher = matchers.get(glob);
  if (!matcher) {
    matcher = picomatch(glob, { dot: false });
    matchers.set(glob, matcher);
  }
  return matcher;
}
