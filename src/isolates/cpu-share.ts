// CPU share for long calls: the OS thread running a call past the long-call slice gets a lower scheduling
// priority (a higher nice value) until the call ends, so short calls and the supervisor keep the cores.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { logger } from '../log/logger.js';

const log = logger('isolates');

/** Linux's CAP_SYS_NICE bit in a capability mask: lets a process lower nice values again. */
const CAP_SYS_NICE = 23n;

/**
 * Lowest nice value this process may set a thread back to after raising it: -20 with CAP_SYS_NICE,
 * else 20 - RLIMIT_NICE (setpriority(2)); undefined when it cannot tell (not Linux, no /proc).
 */
export function niceFloor(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const eff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (eff && (BigInt(`0x${eff}`) >> CAP_SYS_NICE) & 1n) return -20;
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = /^Max nice priority\s+(\S+)/m.exec(limits)?.[1];
    if (soft === undefined) return undefined;
    return soft === 'unlimited' ? -20 : 20 - Number(soft);
  } catch {
    return undefined;
  }
}

/** The calling thread's nice value (0 where it cannot be read). */
function currentNice(): number {
  try {
    return os.getPriority();
  } catch {
    return 0;
  }
}

/** What a demotion changed, so the end of the call can undo it. */
export interface Demotion {
  readonly tid: number;
  readonly was: number;
}

export class CpuShare {
  readonly #nice: number;
  readonly #floor: number | null;
  #enabled: boolean;

  /**
   * `nice`: the value a long call's thread runs at (1..19; 0 turns the policy off). `floor`: the lowest nice
   * value threads may be restored to (default: niceFloor()); null when priorities cannot be restored (off).
   */
  constructor(nice: number, floor: number | null = niceFloor() ?? null) {
    this.#nice = Math.min(19, Math.max(0, Math.floor(nice)));
    this.#floor = floor;
    // Workers start at the supervisor's own nice value: the policy is on only if threads can get back to it.
    this.#enabled = this.#nice > 0 && floor !== null && floor <= currentNice();
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * Lower the priority of thread `tid` for a long call. Refused (undefined) when off, when the thread runs
   * at `nice` already, or when the process could not raise the thread's priority back afterwards.
   */
  demote(tid: number | undefined): Demotion | undefined {
    if (!this.#enabled || !tid) return undefined;
    try {
      const was = os.getPriority(tid);
      // Enabled means there is a floor; a thread below it could not be given its priority back.
      if (was >= this.#nice || was < this.#floor!) return undefined;
      os.setPriority(tid, this.#nice);
      return { tid, was };
    } catch {
      // The thread is gone (the call ended and its worker was replaced): nothing to lower.
      return undefined;
    }
  }

  /** Give the thread its priority back when the call ends. */
  restore(demotion: Demotion): void {
    try {
      os.setPriority(demotion.tid, demotion.was);
    } catch (err) {
      const code = (err as { code?: string; info?: { code?: string } }).info?.code ?? (err as { code?: string }).code;
      if (code === 'ESRCH') return; // its worker was stopped with the call: no thread left to restore
      // Not allowed after all: stop demoting, so no worker is left slow for the calls after it.
      this.#enabled = false;
      log.warn({ err, tid: demotion.tid }, 'cannot restore a worker thread priority; long calls keep their full CPU share from now on');
    }
  }
}
