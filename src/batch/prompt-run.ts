// One batch prompt in a fresh agent process: spawn, send the prompt as turn 1, collect its events to
// the turn's end (or the agent's death), then stop the agent. The result is ready before the agent exits.
import type { AgentEvent } from '../../schemas/messages/agent.js';
import type { ExitNotice } from '../../schemas/messages/process.js';
import { errorMessage } from '../errors/app-error.js';
import type { BatchItem } from './batch-input.js';
import { ResultCollector, type BatchResult } from './batch-result.js';
import type { AgentListener, BatchAgent, BatchSupervisor } from './batch-supervisor.js';

const TURN = 1;

export interface PromptRun {
  /** Resolves with the result when the turn ended or the agent died (never rejects). */
  readonly result: Promise<BatchResult>;
  /** Resolves once the agent process is gone (its slot is free). */
  readonly finished: Promise<void>;
  /** Live numbers for the progress display. */
  readonly collector: ResultCollector;
  /** Cancel the turn (the agent is stopped afterwards as usual). */
  cancel(): void;
  /**
   * The turn ran past its --timeout of `limitMs`: cancel it; its result is a `timeout` error unless the answer
   * wins the race. If the turn has not ended `graceMs` later, the result is given without it.
   */
  timeOut(limitMs: number, graceMs?: number): void;
}

/** How long a timed-out turn may take to end after its cancel before its result is given without it. */
export const TIMEOUT_GRACE_MS = 2000;

export interface PromptRunOptions {
  /** Called for every event of the turn (progress, tests). */
  readonly onEvent?: (event: AgentEvent) => void;
}

export function runPrompt(supervisor: BatchSupervisor, item: BatchItem, options: PromptRunOptions = {}): PromptRun {
  const started = performance.now();
  const collector = new ResultCollector(item.id, TURN);
  let settle!: (r: BatchResult) => void;
  const result = new Promise<BatchResult>((resolve) => (settle = resolve));
  const done = (): void => settle(collector.result(performance.now() - started));

  const listener: AgentListener = {
    event(e) {
      options.onEvent?.(e);
      if (collector.event(e)) done();
    },
    exited(notice: ExitNotice) {
      collector.exited(notice);
      done();
    },
  };
  let agent: BatchAgent;
  try {
    agent = supervisor.spawnAgent(listener, item.model !== undefined ? { model: item.model } : {});
  } catch (err) {
    collector.failedToStart(errorMessage(err));
    done();
    return { result, finished: Promise.resolve(), collector, cancel: () => {}, timeOut: () => {} };
  }
  // The agent queues the prompt until its session is open.
  if (!agent.send({ type: 'prompt', turn: TURN, text: item.prompt })) {
    collector.failedToStart('the prompt could not be delivered');
    done();
  }
  const finished = result.then(async () => {
    await agent.stop();
  });
  const cancel = (): void => {
    if (!collector.finished) agent.send({ type: 'cancel', turn: TURN });
  };
  return {
    result,
    finished,
    collector,
    cancel,
    timeOut(limitMs, graceMs = TIMEOUT_GRACE_MS) {
      if (collector.finished) return;
      collector.timedOut(limitMs);
      cancel();
      const grace = setTimeout(() => {
        collector.abandon();
        done();
      }, graceMs);
      void result.then(() => clearTimeout(grace));
    },
  };
}
