// The hostile catalogue of the stress test (both engines) and the small limits hostile tools run under:
// one base, a per-class adjustment, the case's own, then the runner's test-only overrides.
import { DEFAULT_LIMITS, type Limits } from '../isolates/types.js';
import { JS_HOSTILE_CASES } from './hostile-js.js';
import { LUA_HOSTILE_CASES } from './hostile-lua.js';
import { HOSTILE_CLASSES, type HostileCase, type HostileClass } from './stress-types.js';

export const HOSTILE_CASES: readonly HostileCase[] = [...LUA_HOSTILE_CASES, ...JS_HOSTILE_CASES];

/** Small caps so a run is quick: 300 ms deadline, 16 MB of guest memory, 64 KB of output. */
export const HOSTILE_LIMITS: Limits = Object.freeze({
  ...DEFAULT_LIMITS,
  timeoutMs: 300,
  memoryBytes: 16 * 1024 * 1024,
  outputBytes: 64 * 1024,
});

/**
 * Per class: only loops are meant to meet the deadline; the others get room to reach the limit they
 * test (a loaded machine must not turn a memory bomb into a Timeout).
 */
export const CLASS_LIMITS: Readonly<Record<HostileClass, Partial<Limits>>> = {
  'infinite-loop': {},
  'memory-bomb': { timeoutMs: 5_000 },
  'deep-recursion': { timeoutMs: 3_000 },
  'huge-output': { timeoutMs: 3_000 },
  escape: { timeoutMs: 3_000 },
  ssrf: { timeoutMs: 5_000 },
};

export function hostileLimits(c: HostileCase, overrides?: Partial<Record<HostileClass, Partial<Limits>>>): Limits {
  return { ...HOSTILE_LIMITS, ...CLASS_LIMITS[c.hostileClass], ...c.limits, ...overrides?.[c.hostileClass] };
}

/** The catalogue restricted to `classes` (all when undefined), in class order. */
export function hostileCases(classes?: readonly HostileClass[]): HostileCase[] {
  const wanted = classes ?? HOSTILE_CLASSES;
  return HOSTILE_CASES.filter((c) => wanted.includes(c.hostileClass));
}
