/**
 * Human durations and sizes in route config: `"7d"`, `"12h"`, `"30m"`, `"45s"`, `"500ms"`;
 * `"128MB"`, `"512KiB"`, or plain numbers (milliseconds / bytes).
 */

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** Parses `"7d"` (or a number of milliseconds) into milliseconds; undefined when malformed. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * (DURATION_UNITS[(match[2] as string).toLowerCase()] as number);
}

/** Parses `"128MB"` / `"64MiB"` (or a number of bytes) into bytes; undefined when malformed. */
export function parseSizeBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(value);
  if (!match) return undefined;
  const bytes = Math.floor(Number(match[1]) * (SIZE_UNITS[(match[2] ?? 'b').toLowerCase()] as number));
  return bytes > 0 ? bytes : undefined;
}
