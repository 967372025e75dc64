// The inside of a process host thread (shared placement): many processes, each with its own pid, mailbox
// and cancel signal, on one worker thread. Every message is checked against its schema here and carries the pid it is for.
import type { MessagePort } from 'node:worker_threads';
import {
  FromHostThreadGuard,
  ToHostThreadGuard,
  type FromHostThread,
  type ToHostThread,
} from '../../schemas/messages/process.js';
import { logger } from '../log/logger.js';
import { Mailbox } from './mailbox.js';
import type { Pid } from './pid.js';
import { hostedContext, type ProcessMain } from './process-context.js';
import { processError } from './process-error.js';

interface Hosted {
  readonly mailbox: Mailbox;
  readonly cancel: AbortController;
}

/** The part of a MessagePort the runtime uses (a real parentPort in the thread; a fake in unit tests). */
export type HostThreadPort = Pick<MessagePort, 'postMessage' | 'on'>;

const log = logger('host.thread');

/**
 * Serve the supervisor on `port` until the thread ends. A process whose main throws (or rejects) crashes
 * alone; a process that never yields blocks its neighbours (only trusted modules run here: see
 * DEVELOPERS.md, "Shared placement").
 */
export function runHostThread(port: HostThreadPort): void {
  const procs = new Map<Pid, Hosted>();
  /**
   * Process modules by URL, imported once: a dynamic import() of a module already loaded still resolves its
   * URL through the ESM loader each time (package scope lookups, path conversions), per process start.
   */
  const modules = new Map<string, Promise<{ main?: ProcessMain }>>();
  const load = (url: string): Promise<{ main?: ProcessMain }> => {
    let mod = modules.get(url);
    if (!mod) {
      modules.set(url, (mod = import(url) as Promise<{ main?: ProcessMain }>));
      // A failed import is not cached: the next start (or preload) tries again.
      mod.catch(() => modules.delete(url));
    }
    return mod;
  };

  const post = (msg: FromHostThread): void => {
    port.postMessage(FromHostThreadGuard.parse(msg));
  };

  /** Forget a process (exit, crash, kill): its later sends are refused, its mailbox and signal end. */
  const forget = (pid: Pid, reason: string): boolean => {
    const hosted = procs.get(pid);
    if (!hosted) return false;
    procs.delete(pid);
    hosted.mailbox.close();
    hosted.cancel.abort(reason);
    return true;
  };

  /**
   * A process's main begins on an event-loop turn of its own, one per turn. Why: a burst of starts (a batch
   * wave) arrives as one drain of the port and each main runs on microtasks up to its first I/O; back to
   * back, the first process's request (its socket connect) waited until the last had started (traced:
   * ~20 ms for 8 agents). The process is registered at once: its mail and a kill find it while it waits.
   */
  const waiting: (() => void)[] = [];
  const releaseOne = (): void => {
    waiting.shift()?.();
    if (waiting.length > 0) setImmediate(releaseOne);
  };
  const ownTurn = (): Promise<void> =>
    new Promise((resolve) => {
      if (waiting.push(resolve) === 1) setImmediate(releaseOne);
    });

  const start = (msg: Extract<ToHostThread, { type: 'start' }>): void => {
    const { pid } = msg;
    const mailbox = new Mailbox();
    const cancel = new AbortController();
    const hosted: Hosted = { mailbox, cancel };
    procs.set(pid, hosted);
    const alive = (): boolean => procs.get(pid) === hosted;
    const ctx = hostedContext({
      pid,
      placement: 'shared',
      parent: msg.parent,
      args: msg.args,
      mailbox,
      cancel,
      post: (to, topic, payload) => post({ type: 'send', pid, to, topic, payload }),
      alive,
    });
    void (async () => {
      const mod = await load(msg.module);
      if (typeof mod.main !== 'function') throw new Error(`process module ${msg.module} does not export main(ctx)`);
      await ownTurn();
      if (!alive()) return;
      post({ type: 'ready', pid });
      return { result: await mod.main(ctx) };
    })().then(
      (done) => {
        if (!done || !alive()) return; // killed meanwhile: the supervisor already reported its end
        forget(pid, 'exited');
        try {
          post({ type: 'exit', pid, ...(done.result !== undefined ? { result: done.result } : {}) });
        } catch (err) {
          // e.g. a result that cannot be cloned: the process failed to report, so it crashed
          post({ type: 'crash', pid, error: processError(err) });
        }
      },
      (err: unknown) => {
        if (!forget(pid, 'crashed')) return;
        post({ type: 'crash', pid, error: processError(err) });
      },
    );
  };

  const preload = (module: string): void => {
    load(module).then(
      () => post({ type: 'preloaded', module }),
      (err: unknown) => post({ type: 'preloaded', module, error: processError(err).message }),
    );
  };

  port.on('message', (raw: unknown) => {
    const parsed = ToHostThreadGuard.safeParse(raw);
    if (!parsed.success) {
      // The supervisor only sends validated messages: anything else is a bug, reported and ignored.
      log.error({ issues: parsed.error.issues }, 'invalid message to a process host thread ignored');
      return;
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'start':
        start(msg);
        return;
      case 'preload':
        preload(msg.module);
        return;
      case 'deliver':
        procs.get(msg.pid)?.mailbox.deliver({ from: msg.from, topic: msg.topic, payload: msg.payload });
        return;
      case 'cancel':
        procs.get(msg.pid)?.cancel.abort(msg.reason);
        return;
      case 'kill':
        forget(msg.pid, msg.reason);
        return;
    }
  });
}
