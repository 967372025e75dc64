// runBatch against a supervisor double whose agents answer at once and whose exits the test releases:
// the next prompt does not wait for the previous agent's exit, and runBatch waits for every exit.
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import type { ExitNotice } from '../../schemas/messages/process.js';
import type { BatchItem } from '../../src/batch/batch-input.js';
import { runBatch } from '../../src/batch/batch-runner.js';
import type { BatchAgent, BatchSupervisor } from '../../src/batch/batch-supervisor.js';

interface Spawned {
  readonly prompt: string;
  /** Let the agent's stop() resolve (its process is gone). */
  readonly exit: () => void;
  stopped: boolean;
}

/** Agents that answer their prompt on a microtask and exit only when the test says so. */
function supervisorDouble(): { supervisor: BatchSupervisor; spawned: Spawned[] } {
  const spawned: Spawned[] = [];
  let seq = 0;
  const supervisor = {
    spawnAgent(listener: { event(e: AgentEvent): void; exited(n: ExitNotice): void }): BatchAgent {
      const pid = `<1.${++seq}>`;
      let exit!: () => void;
      const gone = new Promise<ExitNotice>((resolve) => (exit = () => resolve({ pid, reason: 'normal' })));
      let record: Spawned | undefined;
      return {
        pid,
        send(input) {
          if (input.type !== 'prompt') return true;
          record = { prompt: input.text, exit, stopped: false };
          spawned.push(record);
          queueMicrotask(() => {
            listener.event({ type: 'answer', turn: input.turn, text: `answer to ${input.text}` });
            listener.event({ type: 'turn_end', turn: input.turn, status: 'answered', steps: 1 });
          });
          return true;
        },
        exited: () => gone,
        stop() {
          if (record) record.stopped = true;
          return gone;
        },
      };
    },
  } as unknown as BatchSupervisor;
  return { supervisor, spawned };
}

const items = (n: number): BatchItem[] => Array.from({ length: n }, (_, i) => ({ id: `q${i}`, key: `"q${i}"`, prompt: `p${i}`, line: i + 1 }));

describe('runBatch', () => {
  it('race: the next prompt starts while the previous agent is still exiting; the run ends only after every exit', async () => {
    const { supervisor, spawned } = supervisorDouble();
    const answers: string[] = [];
    let ended = false;
    const run = runBatch({ supervisor, items: items(3), concurrency: 1, onResult: (r) => answers.push(r.answer ?? '') }).then((s) => {
      ended = true;
      return s;
    });
    // All three prompts ran one after another although no agent has exited yet.
    await expect.poll(() => answers.length).toBe(3);
    expect(answers).toEqual(['answer to p0', 'answer to p1', 'answer to p2']);
    expect(spawned.map((s) => s.stopped)).toEqual([true, true, true]);
    // Never more than one prompt running: each began after the one before had its result.
    expect(spawned.map((s) => s.prompt)).toEqual(['p0', 'p1', 'p2']);
    spawned[0]!.exit();
    spawned[2]!.exit();
    await Promise.resolve();
    expect(ended).toBe(false);
    spawned[1]!.exit();
    expect(await run).toMatchObject({ answered: 3, failed: 0, notRun: 0 });
  });
});
