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
 * Parses REST table responses (`{"metadata": {…, "snapshots": […]}}`) like `parseJson`. When the
 * snapshots array of a response begins with exactly the text of the previous response's
 * snapshots (a commit appends), those are taken from the previous result and only the new ones
 * are parsed. The parsed snapshots are shared between responses: treat them as immutable (floe
 * never changes a snapshot). Any other response (first load, expired snapshots, another table)
 * is parsed whole.
 */
export class TableResponseReader {
  /** The previous response's snapshot elements: their text (from `[` to the last `}`) and values. */
  private previous?: { text: string; values: unknown[] };

  /** Parses one response body. */
  read(text: string): unknown {
    const known = this.previous;
    this.previous = undefined;
    const span = objectItemsAt(text, SNAPSHOTS_PATH, known?.text);
    if (!span) return parseJson(text);
    let body: { metadata: { snapshots: unknown[] } };
    if (span.known) {
      const values = known?.values ?? [];
      body = parseJson(`${text.slice(0, span.start)}[]${text.slice(span.end)}`);
      // New snapshots are parsed in one call.
      const added: string[] = [];
      for (let i = 0; i < span.items.length; i += 2) added.push(text.slice(span.items[i], span.items[i + 1]));
      body.metadata.snapshots =
        added.length > 0 ? [...values, ...parseJson<unknown[]>(`[${added.join(',')}]`)] : [...values];
    } else {
      body = parseJson(text);
    }
    const count = body.metadata.snapshots.length;
    if (count > 0) this.previous = { text: text.slice(span.start, span.itemsEnd), values: body.metadata.snapshots };
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
 * is an object: `start`/`end` of the array text, the end of its last element, and flat
 * start/end pairs of the elements. When the array text starts with `knownItems` (`[` and earlier
 * elements), those are skipped (`known`) and only the elements after them are listed.
 * Undefined when the path is missing, appears twice, holds anything but objects, or the text is
 * malformed; the caller then parses the plain way, which reports malformed JSON.
 */
function objectItemsAt(
  text: string,
  path: readonly string[],
  knownItems?: string,
): { start: number; end: number; itemsEnd: number; known: boolean; items: number[] } | undefined {
  const n = text.length;
  // Per open container: its kind, the last key read (objects), and whether it lies on `path`.
  const kinds: number[] = [];
  const keys: Array<string | undefined> = [];
  const onPath: boolean[] = [];
  const seen = path.map(() => 0);
  let expectKey = false;
  let found: { start: number; end: number; itemsEnd: number; known: boolean; items: number[] } | undefined;
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
        found = { start: i, end: -1, itemsEnd: i + 1, known: false, items: [] };
        target = depth;
        separated = true;
        // `[` + the previous elements, byte for byte: the same balanced elements, not rescanned.
        if (knownItems && knownItems.length > 1 && text.slice(i, i + knownItems.length) === knownItems) {
          found.known = true;
          found.itemsEnd = i + knownItems.length;
          separated = false;
          i = found.itemsEnd;
          continue;
        }
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
        if (depth === target + 1 && c === CLOSE_OBJECT) {
          found.items.push(itemStart, i + 1);
          found.itemsEnd = i + 1;
        } else if (depth === target) {
          if (separated && (found.known || found.items.length > 0)) return undefined; // a trailing comma
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
