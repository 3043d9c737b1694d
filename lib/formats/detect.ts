/**
 * Format and compression detection from the object key AND the first bytes. The extension names
 * the format (`.csv`, `.tsv`, `.json`/`.ndjson`/`.jsonl`, `.parquet`), optionally followed by a
 * compression suffix (`.gz`, `.zst`, `.bz2`). Magic bytes win over the suffix for compression,
 * because landed files are often mislabeled (a `.csv.gz` that was never gzipped, or a `.csv`
 * that was).
 */
import { BadInputError } from './bad-input-error.js';

export type FileFormat = 'csv' | 'tsv' | 'json' | 'parquet';
export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2';

export interface DetectedFormat {
  format: FileFormat;
  compression: Compression;
}

const FORMAT_BY_EXTENSION: Record<string, FileFormat> = {
  csv: 'csv',
  txt: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  json: 'json',
  ndjson: 'json',
  jsonl: 'json',
  parquet: 'parquet',
  pq: 'parquet',
};

const COMPRESSION_BY_EXTENSION: Record<string, Compression> = {
  gz: 'gzip',
  gzip: 'gzip',
  zst: 'zstd',
  zstd: 'zstd',
  bz2: 'bzip2',
};

/** Compression named by magic bytes (RFC 1952 gzip 1f 8b; zstd frame 28 b5 2f fd; bzip2 "BZh"). */
export function compressionFromMagic(bytes: Uint8Array): Compression | undefined {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip';
  if (bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd)
    return 'zstd';
  if (
    bytes.length >= 4 &&
    bytes[0] === 0x42 &&
    bytes[1] === 0x5a &&
    bytes[2] === 0x68 &&
    bytes[3]! >= 0x31 &&
    bytes[3]! <= 0x39
  )
    return 'bzip2';
  return undefined;
}

/**
 * Detects a landed file's format and compression from its name and first bytes (at least 4 bytes
 * when the file has them). Throws `BadInputError` for an unsupported extension.
 */
export function detectFormat(fileName: string, firstBytes: Uint8Array): DetectedFormat {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).toLowerCase();
  const parts = base.split('.');
  let compression: Compression = 'none';
  let ext = parts.length > 1 ? parts[parts.length - 1]! : '';
  if (ext in COMPRESSION_BY_EXTENSION && parts.length > 2) {
    compression = COMPRESSION_BY_EXTENSION[ext]!;
    ext = parts[parts.length - 2]!;
  }
  const format = FORMAT_BY_EXTENSION[ext];
  if (format === undefined) {
    throw new BadInputError(
      `unsupported file extension ${ext ? `".${ext}"` : '(none)'}; expected .csv, .tsv, .json, .ndjson, .jsonl or .parquet, optionally with .gz, .zst or .bz2`,
      {
        file: fileName,
      },
    );
  }
  const magic = compressionFromMagic(firstBytes);
  if (magic !== undefined) compression = magic;
  else if (firstBytes.length > 0) compression = 'none';
  if (format === 'parquet' && compression !== 'none') {
    // Parquet compresses its pages itself; a whole-file wrapper is legal but needs spooling anyway.
    return { format, compression };
  }
  return { format, compression };
}
