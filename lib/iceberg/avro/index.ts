/**
 * Iceberg Avro files: manifest lists and manifests, read by field id and written like Iceberg
 * Java (spec: Manifest Lists, Manifests).
 */

export type { AvroFile, AvroSchema, WriteAvroOptions } from './container.js';
export { AvroFormatError, readAvroFile, writeAvroFile } from './container.js';
export type { ManifestContents, ReadManifestOptions, WriteManifestOptions, WrittenManifest } from './manifest.js';
export { compareLiterals, ManifestError, partitionSummaries, readManifest, writeManifest } from './manifest.js';
export type { ManifestListFile, WriteManifestListOptions } from './manifest-list.js';
export { ManifestListError, readManifestList, readManifestListFile, writeManifestList } from './manifest-list.js';
export { manifestEntrySchema, manifestListSchema, partitionTypes, UnsupportedTransformError } from './schemas.js';
