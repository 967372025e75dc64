// What a process sees of the host: its pid, its args, send by pid and topic, listen by topic, cancel.
// The same interface serves worker processes and local (main-thread) processes such as the terminal.
import type { Mailbox, Message } from './mailbox.js';
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

/**
 * It may also export `prepare(hint)`: a prestarted worker (prestart.ts) calls it once the module is imported,
 * before the process starts, with the hint its starter gave. main(ctx) runs after prepare's synchronous part
 * and must not depend on the rest: a prepare that fails or is slow only loses the head start.
 */
export type ProcessPrepare = (hint: unknown) => unknown;

/** What a thread that hosts processes knows of one of them, to build its ProcessContext. */
export interface HostedProcess<Args = unknown> {
  readonly pid: Pid;
  readonly placement: Placement;
  readonly parent: Pid;
  readonly args: Args;
  readonly mailbox: Mailbox;
  readonly cancel: AbortController;
  /** Post a send to the supervisor (throws when the payload cannot cross the thread). */
  readonly post: (to: Pid, topic: string, payload: unknown) => void;
  /** False once the process is gone (its sends are refused); always true when omitted. */
  readonly alive?: () => boolean;
}

/** The ProcessContext of a process hosted in a worker thread (its own, or a shared process host thread). */
export function hostedContext<Args>(p: HostedProcess<Args>): ProcessContext<Args> {
  const { mailbox, cancel, post, alive } = p;
  return {
    pid: p.pid,
    placement: p.placement,
    parent: p.parent,
    args: p.args,
    signal: cancel.signal,
    send(to, topic, payload) {
      if (alive && !alive()) return false;
      try {
        post(to, topic, payload);
        return true;
      } catch {
        return false;
      }
    },
    listen: (topic, signal) => mailbox.listen(topic, signal ?? cancel.signal),
    receive: async (topic, signal) => (await mailbox.next(topic, signal ?? cancel.signal)).value,
  };
}
