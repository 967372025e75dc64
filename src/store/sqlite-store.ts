// The SQLite Store (better-sqlite3): `versions` and `changes` tables, WAL, one IMMEDIATE transaction per
// commit with the optimistic-concurrency check inside it, so several processes can share one file.
import Database from 'better-sqlite3';
import type { Entry } from '../../schemas/entry.js';
import { AppError, errorMessage } from '../errors/app-error.js';
import { checkCommitArgs, conflictError } from './commit-checks.js';
import type { CommitMeta, Store, StoredChange, StoredHistoryRecord, StoredVersion } from './store.js';

export interface SqliteStoreOptions {
  /** How long a writer waits for another process's write lock before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * SQLite `synchronous` level (default 'NORMAL'). With WAL, NORMAL keeps every commit atomic and survives a
   * killed process; 'FULL' also survives power loss at the cost of an fsync per commit.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS versions (
  version INTEGER PRIMARY KEY,
  time    TEXT NOT NULL,
  actor   TEXT NOT NULL,
  message TEXT,
  changes INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
  version INTEGER NOT NULL REFERENCES versions(version),
  seq     INTEGER NOT NULL,
  op      TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  id      TEXT NOT NULL,
  kind    TEXT NOT NULL,
  entry   TEXT,
  PRIMARY KEY (version, seq)
);
CREATE INDEX IF NOT EXISTS changes_by_id ON changes (id, version);
`;

interface VersionRow {
  version: number;
  time: string;
  actor: string;
  message: string | null;
  changes: number;
}

interface ChangeRow {
  version: number;
  seq: number;
  op: StoredChange['op'];
  id: string;
  kind: string;
  entry: string | null;
}

function toChange(row: ChangeRow): StoredChange {
  if (row.op === 'delete' || row.entry === null) return { op: row.op, id: row.id, kind: row.kind };
  return { op: row.op, id: row.id, kind: row.kind, entry: JSON.parse(row.entry) as Entry };
}

/** Open (creating if needed) the store in `path`; fails with STORE_FAILED naming the path. */
export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): SqliteStore {
  return new SqliteStore(path, options);
}

export class SqliteStore implements Store {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts: {
    head: Database.Statement<[], { head: number | null }>;
    dataVersion: Database.Statement<[], number>;
    versionsSince: Database.Statement<[number], VersionRow>;
    changesSince: Database.Statement<[number], ChangeRow>;
    lastChange: Database.Statement<[string], { v: number | null }>;
    insertVersion: Database.Statement<[number, string, string, string | null, number]>;
    insertChange: Database.Statement<[number, number, string, string, string, string | null]>;
    history: Database.Statement<[string], ChangeRow & { time: string; actor: string; message: string | null }>;
    stateAt: Database.Statement<[number], ChangeRow>;
  };
  private readonly commitTx: (base: number, changes: readonly StoredChange[], meta: CommitMeta) => StoredVersion;
  private closed = false;
  /** Commits made through this connection (PRAGMA data_version does not count them). */
  #ownCommits = 0;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = path;
    const busy = options.busyTimeoutMs ?? 5000;
    const sync = options.synchronous ?? 'NORMAL';
    try {
      this.db = new Database(path, { timeout: busy });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${sync}`);
      this.db.pragma('foreign_keys = ON');
      const found = this.db.pragma('user_version', { simple: true }) as number;
      if (found > SCHEMA_VERSION) {
        this.db.close();
        throw new AppError('STORE_FAILED', `store ${path} has schema version ${found}; this build reads up to ${SCHEMA_VERSION}`);
      }
      // Only a new (or older-schema) file takes the write lock, so opening never waits on a busy writer.
      if (found < SCHEMA_VERSION) {
        this.db
          .transaction(() => {
            this.db.exec(SCHEMA);
            this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
          })
          .immediate();
      }
      this.stmts = {
        head: this.db.prepare('SELECT max(version) AS head FROM versions'),
        // Changes whenever another connection (or process) committed to the file; commits through this
        // connection are counted in #ownCommits instead (data_version ignores them).
        dataVersion: this.db.prepare<[], number>('PRAGMA data_version').pluck(),
        versionsSince: this.db.prepare('SELECT version, time, actor, message, changes FROM versions WHERE version > ? ORDER BY version'),
        changesSince: this.db.prepare('SELECT version, seq, op, id, kind, entry FROM changes WHERE version > ? ORDER BY version, seq'),
        lastChange: this.db.prepare('SELECT max(version) AS v FROM changes WHERE id = ?'),
        insertVersion: this.db.prepare('INSERT INTO versions (version, time, actor, message, changes) VALUES (?, ?, ?, ?, ?)'),
        insertChange: this.db.prepare('INSERT INTO changes (version, seq, op, id, kind, entry) VALUES (?, ?, ?, ?, ?, ?)'),
        history: this.db.prepare(
          'SELECT c.version, c.seq, c.op, c.id, c.kind, c.entry, v.time, v.actor, v.message ' +
            'FROM changes c JOIN versions v ON v.version = c.version WHERE c.id = ? ORDER BY c.version',
        ),
        stateAt: this.db.prepare(
          'SELECT c.version, c.seq, c.op, c.id, c.kind, c.entry FROM changes c ' +
            'JOIN (SELECT id, max(version) AS v FROM changes WHERE version <= ? GROUP BY id) m ' +
            'ON c.id = m.id AND c.version = m.v',
        ),
      };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('STORE_FAILED', `cannot open store ${path}: ${errorMessage(err)}`, { path }, { cause: err });
    }
    const tx = this.db.transaction((base: number, changes: readonly StoredChange[], meta: CommitMeta): StoredVersion => {
      for (const c of changes) {
        const at = this.stmts.lastChange.get(c.id)?.v ?? 0;
        if (at > base) throw conflictError(c.id, base, at);
      }
      const version = (this.stmts.head.get()?.head ?? 0) + 1;
      this.stmts.insertVersion.run(version, meta.time, meta.actor, meta.message ?? null, changes.length);
      const out: StoredChange[] = [];
      changes.forEach((c, seq) => {
        const json = c.op === 'delete' ? null : JSON.stringify(c.entry);
        this.stmts.insertChange.run(version, seq, c.op, c.id, c.kind, json);
        out.push(json === null ? { op: c.op, id: c.id, kind: c.kind } : { op: c.op, id: c.id, kind: c.kind, entry: JSON.parse(json) as Entry });
      });
      return { version, time: meta.time, actor: meta.actor, ...(meta.message !== undefined ? { message: meta.message } : {}), changes: out };
    });
    // BEGIN IMMEDIATE takes the write lock before the conflict check reads, so no other process can commit in between.
    this.commitTx = (base, changes, meta) => {
      const committed = tx.immediate(base, changes, meta);
      this.#ownCommits++;
      return committed;
    };
  }

  async head(): Promise<number> {
    return this.guard('read the head version', () => this.stmts.head.get()?.head ?? 0);
  }

  /** `PRAGMA data_version` (other connections' commits) and this connection's own commit count. */
  changeToken(): string {
    return this.guard('read the data version', () => `${this.stmts.dataVersion.get()}:${this.#ownCommits}`);
  }

  async readSince(version: number): Promise<StoredVersion[]> {
    return this.guard('read versions', () =>
      this.db
        .transaction(() => {
          const versions = this.stmts.versionsSince.all(version);
          const changes = this.stmts.changesSince.all(version);
          const byVersion = new Map<number, StoredChange[]>();
          for (const row of changes) {
            let list = byVersion.get(row.version);
            if (!list) byVersion.set(row.version, (list = []));
            list.push(toChange(row));
          }
          return versions.map(
            (v): StoredVersion => ({
              version: v.version,
              time: v.time,
              actor: v.actor,
              ...(v.message !== null ? { message: v.message } : {}),
              changes: byVersion.get(v.version) ?? [],
            }),
          );
        })
        .deferred(),
    );
  }

  async commit(baseVersion: number, changes: readonly StoredChange[], meta: CommitMeta): Promise<StoredVersion> {
    checkCommitArgs(baseVersion, changes);
    return this.guard('commit', () => this.commitTx(baseVersion, changes, meta));
  }

  async history(id: string): Promise<StoredHistoryRecord[]> {
    return this.guard('read history', () =>
      this.stmts.history.all(id).map((r) => ({
        version: r.version,
        time: r.time,
        actor: r.actor,
        ...(r.message !== null ? { message: r.message } : {}),
        change: toChange(r),
      })),
    );
  }

  async stateAt(version: number): Promise<Map<string, Entry | null>> {
    return this.guard('read state', () => {
      const state = new Map<string, Entry | null>();
      for (const row of this.stmts.stateAt.all(version)) {
        const c = toChange(row);
        state.set(c.id, c.op === 'delete' ? null : c.entry!);
      }
      return state;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  /** Run one database operation, turning driver failures into STORE_FAILED naming the file. */
  private guard<T>(what: string, fn: () => T): T {
    if (this.closed) throw new AppError('STORE_FAILED', `cannot ${what}: store ${this.path} is closed`, { path: this.path });
    try {
      return fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('STORE_FAILED', `cannot ${what} in store ${this.path}: ${errorMessage(err)}`, { path: this.path }, { cause: err });
    }
  }
}
