/**
 * The error report of a file committed without some of its rows (`on_error: continue`): an
 * outcome `partial` report naming the first rejected row, with every rejected row beside it as
 * NDJSON (error-report.ts).
 */
import type { FileIO } from '../iceberg/file-io.js';
import { type ConvertFileResult, rejectedRowsNdjson } from './convert-file.js';
import { writeErrorReport } from './error-report.js';

/** The object whose rows were rejected, as its report names it. */
export interface RejectedRowsSource {
  /** `s3://bucket/key` or a local path. */
  object: string;
  key: string;
  etag?: string;
  table?: string;
  ingestId?: string;
}

/** Rows the conversion rejected, the listed ones and those dropped beyond the cap. */
export function rejectedRowCount(result: Pick<ConvertFileResult, 'rejected' | 'rejectedDropped'>): number {
  return result.rejected.length + result.rejectedDropped;
}

/** Writes the report of the rows a conversion rejected and returns its path; undefined when it rejected none. */
export async function writeRejectedRowsReport(
  io: FileIO,
  errorsLocation: string,
  source: RejectedRowsSource,
  result: Pick<ConvertFileResult, 'rejected' | 'rejectedDropped'>,
): Promise<string | undefined> {
  const rejectedCount = rejectedRowCount(result);
  if (rejectedCount === 0) return undefined;
  const first = result.rejected[0];
  return writeErrorReport(
    io,
    errorsLocation,
    {
      ...source,
      outcome: 'partial',
      error: 'RejectedRows',
      reason: `${rejectedCount} rows rejected (on_error: continue)${first ? `; first: ${first.reason}` : ''}`,
      line: first?.line,
      column: first?.column,
      value: first?.value,
      rejectedRows: result.rejected,
      rejectedRowCount: rejectedCount,
    },
    rejectedRowsNdjson(result.rejected),
  );
}
