/**
 * Storage credentials: the plain type the catalog vends (REST `storage-credentials`/`config`)
 * and storage uses to build its clients. It lives in the core, beside `FileIO`, so that
 * `lib/catalog` and `lib/storage` share it without knowing each other (iceberg-rust keeps them
 * as `FileIO` properties for the same reason).
 */

/** Storage credentials a catalog vends for one table (REST `storage-credentials`/`config`). */
export interface StorageCredentials {
  /** The location prefix they apply to (longest match wins). */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region?: string;
  endpoint?: string;
  pathStyleAccess?: boolean;
  /** Epoch milliseconds; refresh before this. */
  expiresAtMs?: number;
}

/** Picks the credentials whose prefix is the longest match for `path`; undefined means ambient. */
export function chooseCredentials(
  credentials: readonly StorageCredentials[] | undefined,
  path: string,
): StorageCredentials | undefined {
  let best: StorageCredentials | undefined;
  for (const c of credentials ?? []) {
    if (path.startsWith(c.prefix) && (!best || c.prefix.length > best.prefix.length)) best = c;
  }
  return best;
}
