// The seeded call plan of a phase: a PRNG (mulberry32), which positions are hostile, and hostile picks
// that cycle through the classes so every class appears as soon as there are as many hostile calls.
import type { BenignCase, HostileCase, HostileClass, Rng } from './stress-types.js';

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export type PlannedCall =
  | { readonly type: 'benign'; readonly case: BenignCase; readonly input: unknown }
  | { readonly type: 'hostile'; readonly case: HostileCase };

/** `calls` calls of which round(calls * ratio) are hostile, at random positions. */
export function planPhase(calls: number, ratio: number, benign: readonly BenignCase[], hostile: readonly HostileCase[], rng: Rng): PlannedCall[] {
  const hostileCount = hostile.length === 0 ? 0 : Math.round(calls * ratio);
  const hostileAt = new Set(shuffle(Array.from({ length: calls }, (_, i) => i), rng).slice(0, hostileCount));
  const picks = hostilePicks(hostileCount, hostile, rng);
  let h = 0;
  return Array.from({ length: calls }, (_, i): PlannedCall => {
    if (hostileAt.has(i)) return { type: 'hostile', case: picks[h++]! };
    const c = rng.pick(benign);
    return { type: 'benign', case: c, input: c.input(rng) };
  });
}

/** Round robin over classes (in catalogue order), and within a class over its cases in a shuffled order. */
function hostilePicks(count: number, hostile: readonly HostileCase[], rng: Rng): HostileCase[] {
  const byClass = new Map<HostileClass, HostileCase[]>();
  for (const c of hostile) byClass.set(c.hostileClass, [...(byClass.get(c.hostileClass) ?? []), c]);
  const classes = [...byClass.keys()];
  const queues = new Map(classes.map((k) => [k, shuffle(byClass.get(k)!, rng)]));
  const start = rng.int(0, Math.max(0, classes.length - 1));
  return Array.from({ length: count }, (_, i) => {
    const k = classes[(start + i) % classes.length]!;
    const queue = queues.get(k)!;
    return queue[Math.floor(i / classes.length) % queue.length]!;
  });
}
