// The registry: base entries (the app definition) as version 0, stored versions layered on top, atomic
// validated changesets, refresh from other processes, history, rollback and subscriptions.
import type { Entry } from '../../schemas/entry.js';
import { AppError, errorMessage, hasCode } from '../errors/app-error.js';
import { logger } from '../log/logger.js';
import type { Store, StoredChange, StoredVersion } from '../store/store.js';
import { ChangesetBuilder } from './changeset.js';
import { deepFreeze, jsonEqual, toFrozenEntry } from './plain-entry.js';
import { authorize, prepareChanges } from './prepare-changes.js';
import { EntryMap, type EntryChange } from './entry-map.js';
import { RegistrySnapshot } from './snapshot.js';
import type {
  ApplyOptions,
  ChangeOp,
  Changeset,
  HistoryRecord,
  Registry,
  RegistryEvent,
  Snapshot,
  VersionInfo,
} from './types.js';

export interface RegistryOptions {
  /** Where versions 1..N live; shared by every process using the same registry. */
  readonly store: Store;
  /** The app definition, read at each start: version 0 (validated; duplicate ids are refused). */
  readonly base: readonly Entry[];
  /** Actor recorded for version 0 in history() and versions() (default 'app-definition'). */
  readonly baseActor?: string;
  /** Whether close() also closes the store (default true). */
  readonly closeStore?: boolean;
  /** How many past snapshots snapshotAt() keeps built (default 8). */
  readonly snapshotCache?: number;
}

const log = logger('registry');

/** Create a registry over `store`, reading every stored version once. */
export async function createRegistry(options: RegistryOptions): Promise<Registry> {
  const reg = new LayeredRegistry(options);
  await reg.init();
  return reg;
}

function applyChanges(map: Map<string, Entry>, changes: readonly StoredChange[]): void {
  for (const c of changes) {
    if (c.op === 'delete') map.delete(c.id);
    else map.set(c.id, c.entry!);
  }
}

function asEntryChanges(changes: readonly StoredChange[]): EntryChange[] {
  return changes.map((c) => [c.id, c.op === 'delete' ? undefined : c.entry!]);
}

class LayeredRegistry implements Registry {
  private readonly store: Store;
  private readonly baseActor: string;
  private readonly closeStore: boolean;
  private readonly cacheSize: number;
  private readonly base = new Map<string, Entry>();
  private readonly startTime = new Date().toISOString();
  /** Stored versions known to this process; log[i] is version i + 1. */
  private readonly log: StoredVersion[] = [];
  private readonly lastChange = new Map<string, number>();
  private readonly changedIn = new Map<string, number[]>();
  private readonly infos: VersionInfo[] = [];
  private readonly pastSnapshots = new Map<number, RegistrySnapshot>();
  private readonly listeners = new Set<(event: RegistryEvent) => void>();
  private head!: RegistrySnapshot;
  private queue: Promise<unknown> = Promise.resolve();
  /** The store's change token read before the last complete pull (see Store.changeToken). */
  private pulledToken: string | undefined;
  private closed = false;

  constructor(options: RegistryOptions) {
    this.store = options.store;
    this.baseActor = options.baseActor ?? 'app-definition';
    this.closeStore = options.closeStore ?? true;
    this.cacheSize = options.snapshotCache ?? 8;
    options.base.forEach((raw, i) => {
      const entry = toFrozenEntry(raw, `app definition entry ${i + 1}`);
      if (this.base.has(entry.id)) {
        throw new AppError('REGISTRY_INVALID_ENTRY', `app definition declares "${entry.id}" more than once`, { id: entry.id });
      }
      this.base.set(entry.id, entry);
    });
    this.infos.push(Object.freeze({ version: 0, time: this.startTime, actor: this.baseActor, changes: this.base.size }));
    this.head = new RegistrySnapshot(0, EntryMap.of(new Map(this.base)));
  }

  async init(): Promise<void> {
    const token = this.store.changeToken?.();
    this.integrate(await this.store.readSince(0));
    this.pulledToken = token;
  }

  current(): Snapshot {
    return this.head;
  }

  snapshotAt(version: number): Snapshot {
    this.checkVersion(version);
    if (version === this.head.version) return this.head;
    const cached = this.pastSnapshots.get(version);
    if (cached) return cached;
    const map = new Map(this.base);
    for (let v = 1; v <= version; v++) applyChanges(map, this.log[v - 1]!.changes);
    const snap = new RegistrySnapshot(version, EntryMap.of(map));
    this.remember(snap);
    return snap;
  }

  private remember(snap: RegistrySnapshot): void {
    if (this.cacheSize <= 0) return;
    if (this.pastSnapshots.size >= this.cacheSize) {
      const oldest = this.pastSnapshots.keys().next().value;
      if (oldest !== undefined) this.pastSnapshots.delete(oldest);
    }
    this.pastSnapshots.set(snap.version, snap);
  }

  refresh(): Promise<Snapshot> {
    return this.exclusive(async () => {
      await this.pull();
      return this.head;
    });
  }

  apply(changeset: Changeset, options: ApplyOptions): Promise<VersionInfo> {
    return this.exclusive(() => this.applyLocked(changeset.baseVersion, changeset.ops(), options));
  }

  versions(): readonly VersionInfo[] {
    return Object.freeze([...this.infos]);
  }

  history(id: string): readonly HistoryRecord[] {
    const out: HistoryRecord[] = [];
    const baseEntry = this.base.get(id);
    if (baseEntry) out.push(Object.freeze({ version: 0, time: this.startTime, actor: this.baseActor, change: 'create', entry: baseEntry }));
    for (const v of this.changedIn.get(id) ?? []) {
      const stored = this.log[v - 1]!;
      const c = stored.changes.find((x) => x.id === id)!;
      out.push(
        Object.freeze({
          version: v,
          time: stored.time,
          actor: stored.actor,
          change: c.op,
          ...(c.entry ? { entry: c.entry } : {}),
        }),
      );
    }
    return Object.freeze(out);
  }

  lastChanged(id: string): number {
    return this.lastChange.get(id) ?? 0;
  }

  rollbackEntry(id: string, version: number, options: ApplyOptions): Promise<VersionInfo> {
    return this.exclusive(async () => {
      this.checkVersion(version);
      await this.pull();
      const target = this.snapshotAt(version).get(id);
      const now = this.head.get(id);
      if (!target && !now) {
        throw new AppError('REGISTRY_NOT_FOUND', `cannot roll back "${id}": it exists neither now nor at version ${version}`, { id, version });
      }
      const cs = new ChangesetBuilder(this.head.version);
      if (!target) cs.delete(id);
      else if (!now) cs.create(target);
      else if (!jsonEqual(target, now)) cs.update(target);
      else throw new AppError('REGISTRY_EMPTY_CHANGESET', `"${id}" is already as it was at version ${version}`, { id, version });
      return this.applyLocked(cs.baseVersion, cs.ops(), withMessage(options, `rollback of ${id} to version ${version}`));
    });
  }

  rollbackTo(version: number, options: ApplyOptions): Promise<VersionInfo> {
    return this.exclusive(async () => {
      this.checkVersion(version);
      await this.pull();
      const target = this.snapshotAt(version) as RegistrySnapshot;
      const cs = new ChangesetBuilder(this.head.version);
      for (const now of this.head.entries()) {
        const then = target.get(now.id);
        if (!then) cs.delete(now.id);
        else if (!jsonEqual(then, now)) cs.update(then);
      }
      for (const then of target.entries()) if (!this.head.has(then.id)) cs.create(then);
      if (cs.ops().length === 0) {
        throw new AppError('REGISTRY_EMPTY_CHANGESET', `the registry is already as it was at version ${version}`, { version });
      }
      return this.applyLocked(cs.baseVersion, cs.ops(), withMessage(options, `rollback to version ${version}`));
    });
  }

  subscribe(listener: (event: RegistryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.exclusive(async () => {
      if (this.closed) return;
      this.closed = true;
      this.listeners.clear();
      if (this.closeStore) await this.store.close();
    });
  }

  // --- internals -------------------------------------------------------------------------------------

  private async applyLocked(baseVersion: number, ops: readonly ChangeOp[], options: ApplyOptions): Promise<VersionInfo> {
    if (!Number.isInteger(baseVersion) || baseVersion < 0) {
      throw new AppError('REGISTRY_VERSION_NOT_FOUND', `changeset base version ${String(baseVersion)} is not a version`, { version: baseVersion });
    }
    if (baseVersion > this.head.version) await this.pull();
    this.checkVersion(baseVersion);
    const changes = prepareChanges(ops, {
      get: (id) => this.head.get(id),
      lastChange: (id) => this.lastChange.get(id) ?? 0,
      baseVersion,
    });
    if (options.scope) authorize(changes, options.actor, options.scope);
    let committed: StoredVersion;
    try {
      committed = await this.store.commit(baseVersion, changes, {
        actor: options.actor.id,
        time: new Date().toISOString(),
        ...(options.message !== undefined ? { message: options.message } : {}),
      });
    } catch (err) {
      // Another process won: catch up so a retry from current() starts from the winner's version.
      if (hasCode(err, 'REGISTRY_CONFLICT')) await this.pull().catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'refresh after conflict failed'));
      throw err;
    }
    log.debug({ version: committed.version, actor: committed.actor, changes: committed.changes.length }, 'registry version committed');
    if (committed.version === this.head.version + 1) this.integrate([committed]);
    else await this.pull();
    return this.infos[committed.version]!;
  }

  /**
   * Read and integrate every version other processes committed since our head; skipped while the store's
   * change token has not moved since the last pull (read before readSince, so a commit racing the read
   * changes the token and the next pull reads it).
   */
  private async pull(): Promise<void> {
    const token = this.store.changeToken?.();
    if (token !== undefined && token === this.pulledToken) return;
    this.integrate(await this.store.readSince(this.head.version));
    this.pulledToken = token;
  }

  /** Append consecutive stored versions to the in-memory state and notify listeners. */
  private integrate(versions: readonly StoredVersion[]): void {
    if (versions.length === 0) return;
    let map = this.head.entryMap();
    const changed = new Set<string>();
    for (const raw of versions) {
      if (raw.version !== this.log.length + 1) {
        throw new AppError('STORE_FAILED', `store returned version ${raw.version} where ${this.log.length + 1} was expected`);
      }
      const v = deepFreeze(raw);
      this.log.push(v);
      for (const c of v.changes) {
        changed.add(c.id);
        this.lastChange.set(c.id, v.version);
        let list = this.changedIn.get(c.id);
        if (!list) this.changedIn.set(c.id, (list = []));
        list.push(v.version);
      }
      map = map.with(asEntryChanges(v.changes));
      this.infos.push(
        Object.freeze({
          version: v.version,
          time: v.time,
          actor: v.actor,
          ...(v.message !== undefined ? { message: v.message } : {}),
          changes: v.changes.length,
        }),
      );
    }
    this.remember(this.head);
    this.head = new RegistrySnapshot(this.log.length, map, { parent: this.head, changed: [...changed] });
    for (const v of versions) this.emit(v);
  }

  private emit(v: StoredVersion): void {
    if (this.listeners.size === 0) return;
    const event: RegistryEvent = Object.freeze({
      version: v.version,
      actor: v.actor,
      changes: Object.freeze(v.changes.map((c) => Object.freeze({ op: c.op, id: c.id, kind: c.kind }))),
    });
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (err) {
        log.warn({ err: errorMessage(err), version: v.version }, 'registry listener threw; ignored');
      }
    }
  }

  private checkVersion(version: number): void {
    if (!Number.isInteger(version) || version < 0 || version > this.head.version) {
      throw new AppError('REGISTRY_VERSION_NOT_FOUND', `no version ${String(version)}: known versions are 0..${this.head.version}`, {
        version,
        head: this.head.version,
      });
    }
  }

  /** Run `fn` after every earlier apply/refresh/rollback of this registry has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new AppError('STORE_FAILED', 'the registry is closed');
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function withMessage(options: ApplyOptions, fallback: string): ApplyOptions {
  return options.message !== undefined ? options : { ...options, message: fallback };
}
