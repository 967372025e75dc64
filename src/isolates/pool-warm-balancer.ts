// Piscina load balancer for one worker set: a call goes to an idle worker that already ran its tool (warm
// context, spec cached) when there is one, else to any idle worker, which then counts as knowing the tool.
import { Piscina } from 'piscina';

/** The task property (a symbol: never structured-cloned to the worker) the balancer reads: a call's spec key, or a prepare's keys. */
export const TASK_TOOLS: symbol = Piscina.queueOptionsSymbol;

/** Keys remembered per worker before its set starts over (bounds memory; the engines' own caches are smaller). */
const MAX_KEYS_PER_WORKER = 256;

/** What the balancer reads of a piscina worker (its PiscinaWorker interface). */
interface BalancedWorker {
  readonly id: number;
  readonly currentUsage: number;
  readonly terminating: boolean;
  readonly destroyed: boolean;
}

/** How a call is routed: its spec key; `behind` names the busy worker a prefetched call is queued on. */
export interface CallRoute {
  readonly key: string;
  /** A prefetched call: the worker whose running call it waits behind (see PoolLevel). */
  readonly behind?: number;
  /** Set by the balancer: the worker the call was given to. */
  worker?: number;
}

function isRoute(tools: unknown): tools is CallRoute {
  return typeof tools === 'object' && tools !== null && typeof (tools as CallRoute).key === 'string';
}

/** A prepare meant for one worker (it goes there when that worker is idle, else to an idle one). */
export interface Targeted {
  readonly target: number;
  readonly keys: readonly string[];
}

function isTargeted(tools: unknown): tools is Targeted {
  return typeof tools === 'object' && tools !== null && !Array.isArray(tools) && typeof (tools as Targeted).target === 'number';
}

export class WarmFirstBalancer {
  /** Worker thread id -> spec keys of the tasks it was given. */
  readonly #known = new Map<number, Set<string>>();
  /** Workers being replaced (retire): no task is given to them again. */
  readonly #retired = new Set<number>();

  /**
   * Only idle workers are candidates (the gate sends no more tasks than there are idle workers; piscina's
   * default balancer also takes only idle ones for abortable tasks), but for a prefetched call, which goes
   * onto the busy worker it was queued behind. Among them: one that knows the call's key; for a prepare,
   * the one that knows the fewest tools (a fresh worker). A call's route learns the worker picked.
   */
  readonly balance = <W extends BalancedWorker>(task: object, workers: readonly W[]): W | null => {
    const tools = (task as Record<symbol, unknown>)[TASK_TOOLS];
    const route = isRoute(tools) ? tools : undefined;
    // A prefetched call goes onto the worker it is queued behind while that one lives (it holds the spec).
    if (route?.behind !== undefined) {
      const behind = workers.find((w) => w.id === route.behind && !w.terminating && !w.destroyed && !this.#retired.has(w.id));
      if (behind) {
        route.worker = behind.id;
        return behind;
      }
    }
    const key = route?.key;
    let pick: W | null = null;
    let fewest = Infinity;
    for (const worker of workers) {
      if (worker.currentUsage !== 0 || worker.terminating || worker.destroyed || this.#retired.has(worker.id)) continue;
      const known = this.#known.get(worker.id);
      if (key !== undefined) {
        if (known?.has(key)) {
          route!.worker = worker.id;
          return worker;
        }
        pick ??= worker;
      } else if (isTargeted(tools)) {
        if (worker.id === tools.target) {
          pick = worker;
          break;
        }
        pick ??= worker;
      } else if (Array.isArray(tools)) {
        const size = known?.size ?? 0;
        if (size < fewest) {
          fewest = size;
          pick = worker;
        }
      } else {
        return worker;
      }
    }
    if (pick) {
      if (key !== undefined) this.#note(pick.id, [key]);
      else if (isTargeted(tools)) this.#note(pick.id, tools.keys);
      else if (Array.isArray(tools)) this.#note(pick.id, tools as string[]);
      if (route) route.worker = pick.id;
    }
    return pick;
  };

  /** Whether worker `id` was given a task of `key` (it holds that spec). */
  knows(id: number, key: string): boolean {
    return this.#known.get(id)?.has(key) ?? false;
  }

  #note(id: number, keys: readonly string[]): void {
    let known = this.#known.get(id);
    if (!known || known.size + keys.length > MAX_KEYS_PER_WORKER) {
      known = new Set();
      this.#known.set(id, known);
    }
    for (const key of keys) if (typeof key === 'string') known.add(key);
  }

  /** The first of `ids` not known to have every one of `keys`, and the keys it lacks. */
  lacking(ids: Iterable<number>, keys: readonly string[]): Targeted | undefined {
    for (const target of ids) {
      const known = this.#known.get(target);
      const missing = known ? keys.filter((key) => !known.has(key)) : [...keys];
      if (missing.length > 0) return { target, keys: missing };
    }
    return undefined;
  }

  /** Give worker `id` nothing more (it is about to be ended). */
  retire(id: number): void {
    this.#retired.add(id);
  }

  /** The worker exited: whatever it knew is gone with it. */
  forget(id: number): void {
    this.#known.delete(id);
    this.#retired.delete(id);
  }
}
