/** The error of a metadata file that is not valid table metadata (parse and accessors share it). */

/** Raised when a metadata file is not valid table metadata; the message names the problem and the file. */
export class InvalidTableMetadataError extends Error {
  override name = 'InvalidTableMetadataError';
  constructor(
    readonly problem: string,
    readonly source?: string,
    options?: { cause?: unknown },
  ) {
    super(source ? `invalid table metadata ${source}: ${problem}` : `invalid table metadata: ${problem}`, options);
  }
}
