// CPU share of long calls: the worker thread running a call past the long-call slice runs at a lower
// priority (nice) until that call ends, and only then; short calls and other workers keep theirs.
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { CpuShare, niceFloor } from '../../src/isolates/cpu-share.js';
import type { IsolatePool } from '../../src/isolates/pool.js';
import { osThreadId } from '../../src/isolates/pool-start-table.js';
import { actor, cleanUpAfterEach, Gates, heldCall, program, releaseGate, testPool } from './support/pool-fixtures.js';

/** Nice value of every thread of this process, by tid (field 19 of /proc/self/task/<tid>/stat). */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // the thread exited meanwhile
    }
  }
  return out;
}

function niced(value = 19): number[] {
  return [...threadNice()].filter(([, nice]) => nice === value).map(([tid]) => tid);
}

/** A worker thread that reports its OS thread id and then blocks until terminated. */
async function parkedThread(): Promise<{ tid: number; stop: () => Promise<number> }> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
     parentPort.postMessage(tid);
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`,
    { eval: true },
  );
  const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
  return { tid, stop: () => worker.terminate() };
}

const restorable = process.platform === 'linux' && niceFloor() !== undefined && niceFloor()! <= os.getPriority(0);

let pool: IsolatePool | undefined;
const gates = new Gates();
cleanUpAfterEach(gates, () => pool);

describe('CpuShare', () => {
  it('is off without a way to restore priorities, or at nice 0', () => {
    expect(new CpuShare(19, null).enabled).toBe(false);
    expect(new CpuShare(0, -20).enabled).toBe(false);
    expect(new CpuShare(19, null).demote(osThreadId())).toBeUndefined();
  });

  it('is off where threads could not get back to the supervisor\'s priority (RLIMIT_NICE without CAP_SYS_NICE)', () => {
    // A floor of 20 (RLIMIT_NICE 0, the usual unprivileged limit): nothing at nice 0 could be restored.
    const share = new CpuShare(19, 20);
    expect(share.enabled).toBe(false);
    expect(share.demote(osThreadId() || process.pid)).toBeUndefined();
  });

  it.runIf(restorable)('lowers one thread and gives its priority back, leaving the caller alone', async () => {
    const thread = await parkedThread();
    try {
      const share = new CpuShare(19);
      const demotion = share.demote(thread.tid);
      expect(demotion).toEqual({ tid: thread.tid, was: 0 });
      expect(os.getPriority(thread.tid)).toBe(19);
      expect(os.getPriority(osThreadId())).toBe(0);
      // A second demotion of a thread already there changes nothing and has nothing to undo.
      expect(share.demote(thread.tid)).toBeUndefined();
      share.restore(demotion!);
      expect(os.getPriority(thread.tid)).toBe(0);
    } finally {
      await thread.stop();
    }
  });

  it.runIf(restorable)('restoring a thread that exited with its call keeps the policy on', async () => {
    const thread = await parkedThread();
    const share = new CpuShare(19);
    const demotion = share.demote(thread.tid)!;
    await thread.stop();
    share.restore(demotion);
    expect(share.enabled).toBe(true);
  });
});

describe.runIf(restorable)('isolate pool CPU share', () => {
  it('runs a call past the long-call slice at nice 19 and restores its worker when the call ends', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5 });
    // Warm the worker first so the long call below is the only thing it runs.
    expect(await pool.call(program({ op: 'echo' }), 'warm', { actor })).toMatchObject({ status: 'ok' });
    expect(niced()).toEqual([]);
    const long = heldCall(pool, gates, 'long');
    await vi.waitFor(() => expect(niced()).toHaveLength(1), { timeout: 5_000, interval: 5 });
    const [tid] = niced();
    // A short call meanwhile runs on a spare at full priority and answers.
    expect(await pool.call(program({ op: 'echo' }), 'short', { actor })).toMatchObject({ status: 'ok', value: 'short' });
    expect(niced()).toEqual([tid]);
    releaseGate(long.cells);
    expect(await long.result).toMatchObject({ status: 'ok', value: 'long' });
    // The worker survives the call and runs its next one at its old priority.
    expect(os.getPriority(tid)).toBe(0);
    expect(niced()).toEqual([]);
  });

  it('leaves every worker alone with longCallNice 0', async () => {
    pool = testPool({ size: 1, spareThreads: 1, longCallMs: 5, longCallNice: 0 });
    const long = heldCall(pool, gates, 'long');
    // Once the long call lets a short one onto a spare, the sweeper has seen it run long.
    expect(await pool.call(program({ op: 'echo' }), 'short', { actor })).toMatchObject({ status: 'ok' });
    expect(niced()).toEqual([]);
    releaseGate(long.cells);
    expect(await long.result).toMatchObject({ status: 'ok' });
  });
});
