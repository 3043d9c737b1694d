/**
 * Error reports (invariant 4): a landed object that cannot be ingested gets
 * `<errors prefix><original key>.error.json` next to the landing data, naming the object, table,
 * ingest id, reason, line, column and value, with the first rejected rows. With
 * `on_error: continue` the rejected rows of an otherwise ingested file go to
 * `<errors prefix><original key>.rejected.ndjson` and the report records how many there were.
 * The landed object itself is never touched.
 *
 * @example
 * {"version":1,"object":"s3://landing/sales/orders/a.csv","table":"sales.orders","ingestId":"i3f…",
 *  "outcome":"rejected","error":"BadInputError","reason":"not a valid int","line":7,"column":"qty","value":"x",
 *  "rejectedRows":[…],"rejectedRowCount":1,"at":"2026-11-25T22:00:00.000Z"}
 */
import type { RejectedRow } from '../formats/row-errors.js';
import type { FileIO } from '../iceberg/file-io.js';

/** How many rejected rows a report embeds (the NDJSON file holds them all). */
export const REPORT_ROW_SAMPLE = 20;

export interface ErrorReport {
  version: 1;
  /** `s3://bucket/key` or a local path. */
  object: string;
  key: string;
  etag?: string;
  table?: string;
  ingestId?: string;
  /** `rejected`: nothing was committed; `partial`: committed without the rejected rows (`continue`). */
  outcome: 'rejected' | 'partial';
  error: string;
  reason: string;
  line?: number;
  column?: string | number;
  value?: string;
  rejectedRows: RejectedRow[];
  rejectedRowCount: number;
  rejectedRowsFile?: string;
  at: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * The key as it appears under the errors prefix: a rejected key may hold `..` segments or control
 * characters (route.ts), which must not move a local report out of the errors directory or fail
 * the S3 write, so those (only) are percent-encoded; every other key is kept as it is.
 */
function reportKey(key: string): string {
  return key
    .split('/')
    .map((segment) => (segment === '..' || segment === '.' ? segment.replaceAll('.', '%2E') : segment))
    .join('/')
    .replace(CONTROL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** Where the report and the rejected rows of `key` go. */
export function errorReportPaths(errorsLocation: string, key: string): { report: string; rejectedRows: string } {
  const base = `${errorsLocation.replace(/\/?$/, '/')}${reportKey(key)}`;
  return { report: `${base}.error.json`, rejectedRows: `${base}.rejected.ndjson` };
}

/** Writes the report (and the rejected rows, when given); returns the report's path. */
export async function writeErrorReport(
  io: FileIO,
  errorsLocation: string,
  report: Omit<ErrorReport, 'version' | 'at' | 'rejectedRowsFile'> & { at?: string },
  rejectedNdjson?: Uint8Array,
): Promise<string> {
  const paths = errorReportPaths(errorsLocation, report.key);
  let rejectedRowsFile: string | undefined;
  if (rejectedNdjson && rejectedNdjson.byteLength > 0) {
    await io.write(paths.rejectedRows, rejectedNdjson);
    rejectedRowsFile = paths.rejectedRows;
  }
  const full: ErrorReport = {
    version: 1,
    ...report,
    rejectedRows: report.rejectedRows.slice(0, REPORT_ROW_SAMPLE),
    rejectedRowsFile,
    at: report.at ?? new Date().toISOString(),
  };
  await io.write(paths.report, new TextEncoder().encode(`${JSON.stringify(full, null, 2)}\n`));
  return paths.report;
}
