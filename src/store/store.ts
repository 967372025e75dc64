// The persistence contract behind the registry: numbered versions of entry changes, committed atomically.
// Async so a networked store (PostgreSQL) can implement it later; SQLite and memory stores live beside it.
import type { Entry } from '../../schemas/entry.js';
import type { ChangeKind } from '../registry/types.js';

/** One change inside a stored version. `entry` is the full entry after the change (absent for deletes). */
export interface StoredChange {
  readonly op: ChangeKind;
  readonly id: string;
  /** Kind of the entry (for deletes: the kind of the entry that was deleted). */
  readonly kind: string;
  readonly entry?: Entry;
}

/** A committed version with all its changes, in the order they were given. */
export interface StoredVersion {
  readonly version: number;
  /** ISO-8601 time of the commit. */
  readonly time: string;
  readonly actor: string;
  readonly message?: string;
  readonly changes: readonly StoredChange[];
}

export interface CommitMeta {
  readonly actor: string;
  readonly message?: string;
  /** ISO-8601 time recorded with the version. */
  readonly time: string;
}

/** One change of one id, with the version it belongs to (see Store.history). */
export interface StoredHistoryRecord {
  readonly version: number;
  readonly time: string;
  readonly actor: string;
  readonly message?: string;
  readonly change: StoredChange;
}

export interface Store {
  /** Newest committed version (0 when nothing was ever committed). */
  head(): Promise<number>;
  /** Every version newer than `version`, oldest first, with its changes. */
  readSince(version: number): Promise<StoredVersion[]>;
  /**
   * Commit `changes` as version head+1, atomically. Inside the same write transaction, if any touched id
   * has a stored change newer than `baseVersion`, fails with AppError REGISTRY_CONFLICT (details: id,
   * baseVersion, changedAt) and writes nothing. Empty `changes` fail with REGISTRY_EMPTY_CHANGESET.
   */
  commit(baseVersion: number, changes: readonly StoredChange[], meta: CommitMeta): Promise<StoredVersion>;
  /** Every stored change of one id, oldest first. */
  history(id: string): Promise<StoredHistoryRecord[]>;
  /**
   * The stored layer as it was at `version`: for each id changed at or before it, its latest entry,
   * or null when that latest change was a delete.
   */
  stateAt(version: number): Promise<Map<string, Entry | null>>;
  /**
   * Optional cheap change detector: a token that differs from every earlier token this store returned
   * whenever a version may have been committed since (by this or any other connection or process). A
   * registry reads it before `readSince` and skips the read while the token is unchanged. Stores that
   * cannot tell cheaply leave it out (registries then always read).
   */
  changeToken?(): string;
  close(): Promise<void>;
}
