/**
 * Vended storage credentials (rest-catalog-open-api.yaml: `LoadTableResult.storage-credentials`,
 * `LoadCredentialsResponse`). `storage-credentials` is read first and the longest matching
 * prefix wins; the table `config` is the fallback. Polaris' tokens expire after about an hour
 * (apache/polaris#464): `S3FileIO` (lib/storage/resolve.ts `fileIOForTable`) refreshes them through
 * the credentials endpoint (`RestCatalog.loadCredentials`) before `s3.session-token-expires-at-ms`.
 * With nothing vended, ambient credentials apply.
 */
import { chooseCredentials, type StorageCredentials } from '../../iceberg/storage-credentials.js';
import type { LoadedTable } from '../catalog.js';

export { chooseCredentials } from '../../iceberg/storage-credentials.js';

import { registerSecret } from '../errors.js';

/** One `StorageCredential` of the REST spec. */
export interface StorageCredentialJson {
  prefix: string;
  config: Record<string, string>;
}

/** Reads the S3 keys of a config map; undefined when it holds no access key. */
export function credentialsFromConfig(prefix: string, config: Record<string, string>): StorageCredentials | undefined {
  const accessKeyId = config['s3.access-key-id'];
  const secretAccessKey = config['s3.secret-access-key'];
  if (!accessKeyId || !secretAccessKey) return undefined;
  registerSecret(secretAccessKey);
  registerSecret(config['s3.session-token']);
  const out: StorageCredentials = { prefix, accessKeyId, secretAccessKey };
  if (config['s3.session-token']) out.sessionToken = config['s3.session-token'];
  if (config['client.region']) out.region = config['client.region'];
  if (config['s3.endpoint']) out.endpoint = config['s3.endpoint'];
  if (config['s3.path-style-access'] !== undefined) out.pathStyleAccess = config['s3.path-style-access'] === 'true';
  const expires = config['s3.session-token-expires-at-ms'];
  if (expires && /^\d+$/.test(expires)) out.expiresAtMs = Number(expires);
  return out;
}

/**
 * Credentials from a load/create result: every `storage-credentials` entry, then the table
 * `config` under the table location as the fallback.
 */
export function parseVendedCredentials(
  storageCredentials: StorageCredentialJson[] | undefined,
  config: Record<string, string> | undefined,
  location: string,
): StorageCredentials[] | undefined {
  const out: StorageCredentials[] = [];
  for (const entry of storageCredentials ?? []) {
    const creds = credentialsFromConfig(entry.prefix, { ...(config ?? {}), ...entry.config });
    if (creds) out.push(creds);
  }
  const fallback = config ? credentialsFromConfig(location, config) : undefined;
  if (fallback && !out.some((c) => c.prefix === fallback.prefix)) out.push(fallback);
  return out.length > 0 ? out : undefined;
}

/** The vended credentials of a loaded table that apply to `path` (undefined: use ambient). */
export function credentialsFor(loaded: LoadedTable, path: string): StorageCredentials | undefined {
  return chooseCredentials(loaded.credentials, path);
}
