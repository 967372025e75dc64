// The registry's public contract: snapshots, changesets, find filters, history and subscriptions.
// Implementations live beside this file; every other area codes against these types only.
import type { Entry } from '../../schemas/entry.js';
import type { Actor } from '../security/types.js';
import type { Scope } from '../security/types.js';

export type { Entry };

export type ChangeOp =
  | { readonly op: 'create'; readonly entry: Entry }
  | { readonly op: 'update'; readonly entry: Entry }
  | { readonly op: 'delete'; readonly id: string };

export type ChangeKind = ChangeOp['op'];

/** Meta field condition: a bare value means equality; objects select an operator. */
export type MetaCondition =
  | string
  | number
  | boolean
  | { readonly eq: unknown }
  | { readonly prefix: string }
  | { readonly suffix: string }
  | { readonly contains: string }
  | { readonly regex: string };

/**
 * A find filter. All given fields must match (AND).
 * kind / ns / name / id accept exact strings or `*` globs (`function.*`, `app.*`, `*_tool`).
 * meta keys are dotted paths inside meta (`type`, `options.retry`).
 */
export interface FindFilter {
  readonly kind?: string;
  readonly ns?: string;
  readonly name?: string;
  readonly id?: string;
  readonly meta?: Readonly<Record<string, MetaCondition>>;
}

/** An immutable view of the registry at one version. */
export interface Snapshot {
  readonly version: number;
  get(id: string): Entry | undefined;
  has(id: string): boolean;
  entries(): readonly Entry[];
  find(filter: FindFilter): Entry[];
  /** Entries matching a selector: an exact id, or `ns:*` (that namespace exactly), or `ns.*:*`-style globs. */
  select(selector: string): Entry[];
  namespace(ns: string): Entry[];
  /** A new changeset based on this snapshot's version (optimistic concurrency). */
  changes(): Changeset;
}

/** A list of operations built on one base version; applied atomically or not at all. */
export interface Changeset {
  readonly baseVersion: number;
  create(entry: Entry): Changeset;
  update(entry: Entry): Changeset;
  delete(id: string): Changeset;
  ops(): readonly ChangeOp[];
}

export interface ApplyOptions {
  /** Who makes the change; recorded in history. */
  readonly actor: Actor;
  /** When given, every op is evaluated against it before writing; any deny refuses the whole changeset. */
  readonly scope?: Scope;
  /** Free text recorded with the version (e.g. provenance: the prompt that caused it). */
  readonly message?: string;
}

export interface VersionInfo {
  readonly version: number;
  /** ISO-8601 time of the commit. */
  readonly time: string;
  readonly actor: string;
  readonly message?: string;
  readonly changes: number;
}

export interface HistoryRecord {
  readonly version: number;
  readonly time: string;
  readonly actor: string;
  readonly change: ChangeKind;
  /** The entry as it was after this change (absent for deletes). */
  readonly entry?: Entry;
}

export interface RegistryEvent {
  readonly version: number;
  readonly actor: string;
  readonly changes: readonly { readonly op: ChangeKind; readonly id: string; readonly kind: string }[];
}

export interface Registry {
  /** Snapshot at the newest version known to this process (call refresh() to see other processes' writes). */
  current(): Snapshot;
  snapshotAt(version: number): Snapshot;
  /** Pull versions written by other processes sharing the store. */
  refresh(): Promise<Snapshot>;
  /** Validate, authorize, check conflicts and commit atomically into a new version. */
  apply(changeset: Changeset, options: ApplyOptions): Promise<VersionInfo>;
  versions(): readonly VersionInfo[];
  history(id: string): readonly HistoryRecord[];
  /** The newest version that changed `id` (0: as in the base, or never written); history(id)'s last version, in O(1). */
  lastChanged(id: string): number;
  /** Write the entry back as it was at `version` (a new version; a delete if it did not exist then). */
  rollbackEntry(id: string, version: number, options: ApplyOptions): Promise<VersionInfo>;
  /** Make the whole registry look as it did at `version` (a new version). */
  rollbackTo(version: number, options: ApplyOptions): Promise<VersionInfo>;
  subscribe(listener: (event: RegistryEvent) => void): () => void;
  close(): Promise<void>;
}
