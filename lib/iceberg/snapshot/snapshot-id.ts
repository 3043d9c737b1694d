/**
 * Snapshot ids: positive random 63-bit integers (spec: "Snapshots": ids are unique; Java and
 * PyIceberg draw them at random). A commit keeps one id across its retries, so a commit that
 * landed before its response was lost is recognised by that id (ARCHITECTURE invariant 2).
 */
import { randomBytes } from 'node:crypto';

/** A new positive random 63-bit snapshot id. */
export function newSnapshotId(): bigint {
  for (;;) {
    const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
    if (id !== 0n) return id;
  }
}
