// What a process sees of the host: its pid, its args, send by pid and topic, listen by topic, cancel.
// The same interface serves worker processes and local (main-thread) processes such as the terminal.
import type { Message } from './mailbox.js';
import type { Pid } from './pid.js';

/**
 * Where a worker process runs: 'dedicated' = a worker thread of its own (kill terminates it); 'shared' = one
 * of the host's process host threads, beside other processes (cheap to start; kill is cooperative).
 */
export type Placement = 'dedicated' | 'shared';

export interface ProcessContext<Args = unknown> {
  readonly pid: Pid;
  /** Where the process runs (undefined for local processes on the supervisor thread). */
  readonly placement?: Placement;
  readonly parent: Pid;
  readonly args: Args;
  /** Aborted when the host cancels this process (shutdown, Ctrl-C, a supervisor decision). */
  readonly signal: AbortSignal;
  /** Send to any pid; false when the target does not exist or has exited. */
  send(to: Pid, topic: string, payload: unknown): boolean;
  /** Messages on `topic` (all topics when omitted) until the process ends or `signal` aborts. */
  listen(topic?: string, signal?: AbortSignal): AsyncIterableIterator<Message>;
  /** The next message on `topic`, or undefined when the mailbox closed / `signal` aborted. */
  receive(topic?: string, signal?: AbortSignal): Promise<Message | undefined>;
}

/** The module a worker process runs exports `main(ctx)`; its resolved value is the exit result. */
export type ProcessMain<Args = unknown> = (ctx: ProcessContext<Args>) => unknown | Promise<unknown>;
