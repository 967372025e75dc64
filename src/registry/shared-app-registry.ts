// One opened app registry per (home, appDir) per thread, shared by leases with reference counting: the
// sessions of a process host thread read the same registry instead of each loading YAML and opening SQLite.
import type { Registry } from './types.js';
import { openAppRegistry, type AppRegistry } from './open-app-registry.js';

export interface AppRegistryLease {
  /** A view of the shared registry; its close() releases this lease only (the registry stays for the others). */
  readonly registry: Registry;
  /**
   * Values derived from this opened registry (e.g. an LLM client over its model entries), shared by every
   * lease of it on this thread and dropped when it closes. Only immutable or per-call-safe values belong here.
   */
  readonly cache: Map<string, unknown>;
  /**
   * The registry was open (or opening) before this lease: it may not have seen other processes' writes
   * since; refresh() pulls them.
   */
  readonly joined: boolean;
}

export interface AcquireOptions {
  /**
   * How long an unleased registry stays open for the next lease on this thread (default 0: closed at once).
   * Shared-placement agent processes keep it, so back-to-back sessions skip the open; the timer does not
   * keep the thread alive.
   */
  readonly keepIdleMs?: number;
}

interface Shared {
  readonly opened: Promise<AppRegistry>;
  readonly cache: Map<string, unknown>;
  refs: number;
  idle: NodeJS.Timeout | undefined;
}

const shared = new Map<string, Shared>();

function keyOf(appDir: string, home: string): string {
  return `${home}\n${appDir}`;
}

/** Open (or join) the registry of `appDir` over `<home>/registry.db`. Throws what openAppRegistry throws. */
export async function acquireAppRegistry(appDir: string, home: string, options: AcquireOptions = {}): Promise<AppRegistryLease> {
  const key = keyOf(appDir, home);
  let entry = shared.get(key);
  const joined = entry !== undefined;
  if (!entry) {
    const created: Shared = { opened: openAppRegistry(appDir, home), cache: new Map(), refs: 0, idle: undefined };
    shared.set(key, created);
    // A failed open is not cached: the next acquire tries again.
    created.opened.catch(() => {
      if (shared.get(key) === created) shared.delete(key);
    });
    entry = created;
  }
  const held = entry;
  held.refs++;
  if (held.idle) clearTimeout(held.idle);
  held.idle = undefined;
  let app: AppRegistry;
  try {
    app = await held.opened;
  } catch (err) {
    held.refs--;
    throw err;
  }
  const unsubscribes = new Set<() => void>();
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => {
    released ??= (async () => {
      for (const off of unsubscribes) off();
      unsubscribes.clear();
      held.refs--;
      if (held.refs > 0) return;
      const keep = options.keepIdleMs ?? 0;
      if (keep > 0) {
        held.idle = setTimeout(() => void closeIfIdle(key, held), keep);
        held.idle.unref();
        return;
      }
      await closeIfIdle(key, held);
    })();
    return released;
  };
  const r = app.registry;
  const view: Registry = {
    current: () => r.current(),
    snapshotAt: (version) => r.snapshotAt(version),
    refresh: () => r.refresh(),
    apply: (changeset, opts) => r.apply(changeset, opts),
    versions: () => r.versions(),
    history: (id) => r.history(id),
    lastChanged: (id) => r.lastChanged(id),
    rollbackEntry: (id, version, opts) => r.rollbackEntry(id, version, opts),
    rollbackTo: (version, opts) => r.rollbackTo(version, opts),
    subscribe(listener) {
      const off = r.subscribe(listener);
      unsubscribes.add(off);
      return () => {
        unsubscribes.delete(off);
        off();
      };
    },
    close: release,
  };
  return { registry: view, cache: held.cache, joined };
}

async function closeIfIdle(key: string, held: Shared): Promise<void> {
  if (held.refs > 0) return;
  if (held.idle) clearTimeout(held.idle);
  held.idle = undefined;
  if (shared.get(key) === held) shared.delete(key);
  held.cache.clear();
  await (await held.opened).registry.close();
}
