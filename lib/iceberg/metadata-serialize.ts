/** Writing table metadata as spec JSON, keeping the top-level keys floe does not know. */
import { stringifyJson } from './json.js';
import { currentSchema, defaultSpec } from './metadata-accessors.js';
import { KNOWN_KEYS } from './metadata-parse.js';
import type { TableMetadata } from './types.js';

/**
 * Writes table metadata as spec JSON (Java's key order, 2-space indent). v1 also gets the
 * deprecated `schema` and `partition-spec` (required in v1); no current snapshot is written as
 * `-1` in v1/v2 and `null` in v3, as Iceberg Java 1.10 does. Unknown keys are written after the
 * known ones.
 */
export function serializeTableMetadata(metadata: TableMetadata, options: { space?: number } = {}): string {
  const m = metadata;
  const v = m['format-version'];
  const out: Record<string, unknown> = {};
  out['format-version'] = v;
  if (m['table-uuid'] !== undefined) out['table-uuid'] = m['table-uuid'];
  out.location = m.location;
  if (v > 1) out['last-sequence-number'] = m['last-sequence-number'];
  out['last-updated-ms'] = m['last-updated-ms'];
  out['last-column-id'] = m['last-column-id'];
  if (v === 1) out.schema = currentSchema(m);
  out['current-schema-id'] = m['current-schema-id'];
  out.schemas = m.schemas;
  if (v === 1) out['partition-spec'] = defaultSpec(m).fields;
  out['default-spec-id'] = m['default-spec-id'];
  out['partition-specs'] = m['partition-specs'];
  out['last-partition-id'] = m['last-partition-id'];
  out['default-sort-order-id'] = m['default-sort-order-id'];
  out['sort-orders'] = m['sort-orders'];
  out.properties = m.properties;
  out['current-snapshot-id'] = m['current-snapshot-id'] ?? (v >= 3 ? null : -1);
  if (m['next-row-id'] !== undefined) out['next-row-id'] = m['next-row-id'];
  out.refs = m.refs;
  out.snapshots = m.snapshots;
  if (m.statistics !== undefined) out.statistics = m.statistics;
  if (m['partition-statistics'] !== undefined) out['partition-statistics'] = m['partition-statistics'];
  out['snapshot-log'] = m['snapshot-log'];
  out['metadata-log'] = m['metadata-log'];
  for (const [key, value] of Object.entries(m)) if (!KNOWN_KEYS.has(key) && value !== undefined) out[key] = value;
  const space = options.space ?? 2;
  if (space !== 0) return stringifyJson(out, space);
  // Compact output (what a catalog writes and serves on every commit): history entries are
  // serialized once and reused, so a commit costs O(new entries) plus joining the text.
  const members: string[] = [];
  for (const [key, value] of Object.entries(out)) {
    if (value === undefined) continue;
    const json = HISTORY_KEYS.has(key) && Array.isArray(value) ? compactArray(value) : stringifyJson(value);
    members.push(`${JSON.stringify(key)}:${json}`);
  }
  return `{${members.join(',')}}`;
}

/** Arrays that grow with the table's history; their entries are never modified once built. */
const HISTORY_KEYS = new Set(['snapshots', 'snapshot-log', 'metadata-log']);

/**
 * Compact JSON per history entry. Entries are shared between metadata versions (the builder
 * copies the arrays, not the entries) and treated as immutable, so the text stays valid; a
 * WeakMap lets entries of old versions be collected with them.
 */
const entryJson = new WeakMap<object, string>();

function compactArray(entries: readonly unknown[]): string {
  const parts = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    if (typeof entry !== 'object' || entry === null) {
      parts[i] = stringifyJson(entry ?? null);
      continue;
    }
    let json = entryJson.get(entry);
    if (json === undefined) {
      json = stringifyJson(entry);
      entryJson.set(entry, json);
    }
    parts[i] = json;
  }
  return `[${parts.join(',')}]`;
}
