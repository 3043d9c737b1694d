/**
 * Table metadata as it crosses the REST boundary: the `metadata` object of a REST body becomes
 * normalized `TableMetadata` through lib/iceberg/metadata.ts (lossless ids, -1/null/absent
 * current snapshot, v1 fields lifted, validated).
 *
 * Every load and commit response carries the table's whole snapshot history (the spec's
 * `LoadTableResult` / `CommitTableResponse`), so a client that commits often parses the same
 * snapshots again and again. {@link TableResponseReader} parses a snapshot only when its JSON
 * text is new: the text of each element of `metadata.snapshots` is the cache key, so a reused
 * entry is exactly what parsing that text again would give.
 */
import { afterJsonString, parseJson } from '../iceberg/json.js';
import { normalizeTableMetadata } from '../iceberg/metadata.js';
import type { TableMetadata } from '../iceberg/types.js';

/** Normalizes the `metadata` object of a REST `LoadTableResult`/`CommitTableResponse`. */
export function metadataFromJson(value: unknown): TableMetadata {
  return normalizeTableMetadata(value);
}

const SNAPSHOTS_PATH = ['metadata', 'snapshots'] as const;

/**
 * Parses REST table responses (`{"metadata": {…, "snapshots": […]}}`) like `parseJson`, reusing
 * the parsed snapshot objects of the previous response whose text is unchanged. The parsed
 * snapshots are shared between responses: treat them as immutable (floe never changes a snapshot).
 */
export class TableResponseReader {
  /** Snapshot JSON text → parsed value, from the latest response only (memory stays one version). */
  private snapshots = new Map<string, unknown>();

  /** Parses one response body. */
  read(text: string): unknown {
    const span = objectItemsAt(text, SNAPSHOTS_PATH);
    if (!span || span.items.length === 0) return parseJson(text);
    const body = parseJson<{ metadata: { snapshots: unknown[] } }>(
      `${text.slice(0, span.start)}[]${text.slice(span.end)}`,
    );
    const next = new Map<string, unknown>();
    const snapshots = new Array<unknown>(span.items.length / 2);
    const missed: number[] = [];
    const missedText: string[] = [];
    for (let i = 0; i < span.items.length; i += 2) {
      const itemText = text.slice(span.items[i], span.items[i + 1]);
      const value = next.get(itemText) ?? this.snapshots.get(itemText);
      if (value === undefined) {
        missed.push(i / 2);
        missedText.push(itemText);
      } else {
        next.set(itemText, value);
        snapshots[i / 2] = value;
      }
    }
    // New snapshots are parsed in one call (a cold reader parses the whole history at once).
    if (missed.length > 0) {
      const values = parseJson<unknown[]>(`[${missedText.join(',')}]`);
      missed.forEach((index, k) => {
        snapshots[index] = values[k];
        next.set(missedText[k] as string, values[k]);
      });
    }
    this.snapshots = next;
    body.metadata.snapshots = snapshots;
    return body;
  }
}

const QUOTE = 34;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

/**
 * Locates the array at `path` (object keys from the root) and its elements, when every element
 * is an object: `start`/`end` of the array text and flat start/end pairs of the elements.
 * Undefined when the path is missing, appears twice, holds anything but objects, or the text is
 * malformed; the caller then parses the plain way, which reports malformed JSON.
 */
function objectItemsAt(
  text: string,
  path: readonly string[],
): { start: number; end: number; items: number[] } | undefined {
  const n = text.length;
  // Per open container: its kind, the last key read (objects), and whether it lies on `path`.
  const kinds: number[] = [];
  const keys: Array<string | undefined> = [];
  const onPath: boolean[] = [];
  const seen = path.map(() => 0);
  let expectKey = false;
  let found: { start: number; end: number; items: number[] } | undefined;
  let target = -1; // depth of the open target array, or -1
  let itemStart = -1;
  let separated = false;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = afterJsonString(text, i + 1);
      if (expectKey) {
        const depth = kinds.length - 1;
        const key = text.slice(i + 1, end - 1);
        if (onPath[depth]) {
          // Escaped or repeated keys on the path: let JSON.parse decide which one counts.
          if (key.includes('\\')) return undefined;
          if (key === path[depth] && seen[depth]++ > 0) return undefined;
        }
        keys[depth] = key;
        expectKey = false;
      }
      if (target >= 0 && kinds.length === target + 1) return undefined; // a string element
      i = end;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const depth = kinds.length;
      if (target >= 0 && depth === target + 1) {
        // Elements must be objects, each after `[` or one comma (JSON.parse never sees this text).
        if (c !== OPEN_OBJECT || !separated) return undefined;
        separated = false;
        itemStart = i;
      }
      const parentOnPath = depth === 0 || onPath[depth - 1] === true;
      const parentKey = depth > 0 && kinds[depth - 1] === OPEN_OBJECT ? keys[depth - 1] : undefined;
      const here =
        depth === 0 ? c === OPEN_OBJECT : parentOnPath && depth <= path.length && parentKey === path[depth - 1];
      kinds.push(c);
      keys.push(undefined);
      onPath.push(here);
      expectKey = c === OPEN_OBJECT;
      if (here && depth === path.length) {
        if (c !== OPEN_ARRAY || found) return undefined;
        found = { start: i, end: -1, items: [] };
        target = depth;
        separated = true;
      }
      i++;
      continue;
    }
    if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      const open = kinds.pop();
      keys.pop();
      onPath.pop();
      if (open !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) return undefined;
      const depth = kinds.length;
      if (found && target >= 0) {
        if (depth === target + 1 && c === CLOSE_OBJECT) found.items.push(itemStart, i + 1);
        else if (depth === target) {
          if (separated && found.items.length > 0) return undefined; // a trailing comma
          found.end = i + 1;
          target = -1;
        }
      }
      expectKey = false;
      i++;
      continue;
    }
    if (c === COMMA) {
      expectKey = kinds[kinds.length - 1] === OPEN_OBJECT;
      if (target >= 0 && kinds.length === target + 1) {
        if (separated) return undefined;
        separated = true;
      }
    } else if (target >= 0 && kinds.length === target + 1 && c > 32) {
      return undefined; // a number, true/false/null element
    }
    i++;
  }
  if (kinds.length !== 0 || !found || found.end < 0) return undefined;
  return found;
}
