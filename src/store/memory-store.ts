// An in-process Store with the same semantics as the SQLite one (conflicts, atomic commits, copies).
// For tests and benchmarks of the registry logic, and for runs that need no persistence.
import type { Entry } from '../../schemas/entry.js';
import { AppError } from '../errors/app-error.js';
import { checkCommitArgs, conflictError } from './commit-checks.js';
import type { CommitMeta, Store, StoredChange, StoredHistoryRecord, StoredVersion } from './store.js';

/** Versions are kept as JSON text, like a database would, so no caller shares objects with the store. */
interface Row {
  readonly version: number;
  readonly json: string;
}

export class MemoryStore implements Store {
  private readonly rows: Row[] = [];
  /** Latest version that changed each id. */
  private readonly lastChange = new Map<string, number>();
  private closed = false;

  async head(): Promise<number> {
    this.checkOpen();
    return this.rows.length;
  }

  /** The number of stored versions: every commit (through any registry sharing this store) adds one. */
  changeToken(): string {
    this.checkOpen();
    return String(this.rows.length);
  }

  async readSince(version: number): Promise<StoredVersion[]> {
    this.checkOpen();
    return this.rows.slice(Math.max(0, version)).map((r) => JSON.parse(r.json) as StoredVersion);
  }

  async commit(baseVersion: number, changes: readonly StoredChange[], meta: CommitMeta): Promise<StoredVersion> {
    this.checkOpen();
    checkCommitArgs(baseVersion, changes);
    for (const c of changes) {
      const at = this.lastChange.get(c.id) ?? 0;
      if (at > baseVersion) throw conflictError(c.id, baseVersion, at);
    }
    const version = this.rows.length + 1;
    const stored: StoredVersion = {
      version,
      time: meta.time,
      actor: meta.actor,
      ...(meta.message !== undefined ? { message: meta.message } : {}),
      changes: changes.map((c) => ({ op: c.op, id: c.id, kind: c.kind, ...(c.op !== 'delete' ? { entry: c.entry } : {}) })),
    };
    const json = JSON.stringify(stored);
    this.rows.push({ version, json });
    for (const c of changes) this.lastChange.set(c.id, version);
    return JSON.parse(json) as StoredVersion;
  }

  async history(id: string): Promise<StoredHistoryRecord[]> {
    this.checkOpen();
    const out: StoredHistoryRecord[] = [];
    for (const row of this.rows) {
      const v = JSON.parse(row.json) as StoredVersion;
      const change = v.changes.find((c) => c.id === id);
      if (!change) continue;
      out.push({ version: v.version, time: v.time, actor: v.actor, ...(v.message !== undefined ? { message: v.message } : {}), change });
    }
    return out;
  }

  async stateAt(version: number): Promise<Map<string, Entry | null>> {
    this.checkOpen();
    const state = new Map<string, Entry | null>();
    for (const row of this.rows.slice(0, Math.max(0, version))) {
      const v = JSON.parse(row.json) as StoredVersion;
      for (const c of v.changes) state.set(c.id, c.op === 'delete' ? null : c.entry!);
    }
    return state;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new AppError('STORE_FAILED', 'the memory store is closed');
  }
}
