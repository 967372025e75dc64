// Reusable hardened QuickJS contexts ("frozen realms"), one per (tool id, version, prelude config): an LRU
// bounded by count, by uses per context and by retained memory, plus the memory the idle ones hold.
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten';
import type { CachedTool } from './tool-cache.js';

/** One hardened context: prelude booted for one tool's config, intrinsics frozen. */
export interface Realm {
  readonly key: string;
  readonly rt: QuickJSRuntime;
  readonly ctx: QuickJSContext;
  /** The prelude's run(mode, value, inputJson, tagged) for this tool's config. */
  readonly runH: QuickJSHandle;
  readonly entry: CachedTool;
  readonly config: string;
  uses: number;
  /** Bytes this context holds (measured when created and every FOOTPRINT_EVERY uses). */
  footprint: number;
}

export interface RealmLimits {
  /** Contexts kept warm per engine. */
  readonly maxRealms: number;
  /** Calls per context before it is replaced (each call leaves its module record until the context goes). */
  readonly maxUses: number;
  /** A context holding more than this is dropped instead of kept. */
  readonly maxFootprintBytes: number;
}

export const DEFAULT_REALM_LIMITS: RealmLimits = { maxRealms: 8, maxUses: 512, maxFootprintBytes: 4 * 1024 * 1024 };

/** Re-measure a realm's footprint after this many uses (one measurement costs ~0.1 ms). */
export const FOOTPRINT_EVERY = 32;

export class WarmRealms {
  private readonly realms = new Map<string, Realm>();
  /** Runtime memory with no realm alive, measured when the first realm of a runtime is made. */
  baseBytes = 0;
  private baseRt: QuickJSRuntime | undefined;

  constructor(readonly limits: RealmLimits) {}

  get size(): number {
    return this.realms.size;
  }

  /** The realm for `key` if it still matches the tool's cached analysis, config and runtime (moved to MRU). */
  take(key: string, rt: QuickJSRuntime, entry: CachedTool, config: string): Realm | undefined {
    const realm = this.realms.get(key);
    if (!realm) return undefined;
    if (realm.rt !== rt || realm.entry !== entry || realm.config !== config) {
      this.drop(realm);
      return undefined;
    }
    this.realms.delete(key);
    this.realms.set(key, realm);
    return realm;
  }

  /** Records the runtime's empty footprint before its first realm (callers pass a measurement). */
  noteBase(rt: QuickJSRuntime, measure: () => number): void {
    if (this.baseRt === rt) return;
    this.clearAll(true);
    this.baseRt = rt;
    this.baseBytes = measure();
  }

  add(realm: Realm): void {
    this.realms.set(realm.key, realm);
    while (this.realms.size > this.limits.maxRealms) {
      const oldest = this.realms.values().next().value as Realm;
      this.drop(oldest);
    }
  }

  /** Bytes held by everything but the running call: the runtime's base plus every realm's footprint. */
  idleBytes(): number {
    let total = this.baseBytes;
    for (const r of this.realms.values()) total += r.footprint;
    return total;
  }

  /** Sum of the footprints of realms other than `realm`. */
  othersBytes(realm: Realm): number {
    let total = 0;
    for (const r of this.realms.values()) if (r !== realm) total += r.footprint;
    return total;
  }

  drop(realm: Realm, dispose = true): void {
    if (this.realms.get(realm.key) === realm) this.realms.delete(realm.key);
    if (!dispose) return;
    realm.runH.dispose();
    realm.ctx.dispose();
  }

  /** Drops every realm; dispose=false when the WASM instance must not be touched. */
  clearAll(dispose: boolean): void {
    const all = [...this.realms.values()];
    this.realms.clear();
    this.baseRt = undefined;
    if (!dispose) return;
    for (const realm of all) {
      realm.runH.dispose();
      realm.ctx.dispose();
    }
  }
}
