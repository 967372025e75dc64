// Shared placement: many processes on a few process host threads, each with its own pid, mailbox, signal,
// monitors and exit notice; crashes stay with their process, kill is cooperative, a dying thread is reported.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ProcessHost } from '../../src/host/process-host.js';
import { EXIT_TOPIC, type ExitNotice } from '../../schemas/messages/process.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/host/${name}`, import.meta.url));

let host: ProcessHost;
afterEach(async () => {
  await host?.shutdown();
});

interface Me {
  pid: string;
  args: unknown;
  placement: string;
  n?: number;
}

describe('shared placement', () => {
  it('runs many processes on one host thread, each with its own pid, args and messages', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const me = host.local();
    const pids = Array.from({ length: 20 }, (_, i) => host.spawn({ module: fixture('whoami.mjs'), args: { i }, placement: 'shared' }));
    expect(new Set([...pids, me.pid, host.rootPid]).size).toBe(22);
    expect(host.hostThreads()).toBe(1);
    pids.forEach((pid, i) => me.send(pid, 'who', { n: i }));
    const replies: Me[] = [];
    for (let i = 0; i < pids.length; i++) {
      const m = (await me.receive('me'))!;
      const p = m.payload as Me;
      expect(m.from).toBe(p.pid);
      replies.push(p);
    }
    replies.sort((a, b) => a.n! - b.n!);
    expect(replies).toEqual(pids.map((pid, i) => ({ pid, args: { i }, placement: 'shared', n: i })));
  });

  it('a burst of starts runs each main on its own event-loop turn: the first one\'s I/O is not held behind the last start', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    await host.warm({ preload: [fixture('io-turn.mjs')] });
    const me = host.local();
    const n = 8;
    const pids = Array.from({ length: n }, (_, i) => host.spawn({ module: fixture('io-turn.mjs'), args: { i }, placement: 'shared', parent: me.pid }));
    const order: string[] = [];
    for (let k = 0; k < 2 * n; k++) {
      const { i, what } = (await me.receive('turn'))!.payload as { i: number; what: string };
      order.push(`${what}${i}`);
    }
    // Back to back, all eight mains ran before any of them got back to its I/O.
    expect(order.indexOf('io0')).toBeLessThan(order.indexOf(`started${n - 1}`));
    expect(order.filter((o) => o.startsWith('io'))).toEqual(pids.map((_, i) => `io${i}`));
    for (const pid of pids) expect((await host.wait(pid)).reason).toBe('normal');
  });

  it('spreads processes over the host threads, started lazily up to the configured number', async () => {
    host = new ProcessHost({ hostThreads: 2 });
    expect(host.hostThreads()).toBe(0);
    const me = host.local();
    const a = host.spawn({ module: fixture('whoami.mjs'), placement: 'shared' });
    expect(host.hostThreads()).toBe(1);
    const b = host.spawn({ module: fixture('whoami.mjs'), placement: 'shared' });
    const c = host.spawn({ module: fixture('whoami.mjs'), placement: 'shared' });
    expect(host.hostThreads()).toBe(2);
    for (const pid of [a, b, c]) me.send(pid, 'who', {});
    for (let i = 0; i < 3; i++) expect(((await me.receive('me'))!.payload as Me).placement).toBe('shared');
  });

  it('warm() starts every host thread and imports the module before the first process', async () => {
    host = new ProcessHost({ hostThreads: 2 });
    await host.warm({ preload: [fixture('whoami.mjs')] });
    expect(host.hostThreads()).toBe(2);
    const me = host.local();
    const pid = host.spawn({ module: fixture('whoami.mjs'), args: 'warm', placement: 'shared' });
    me.send(pid, 'who', { n: 1 });
    expect((await me.receive('me'))!.payload).toEqual({ pid, args: 'warm', placement: 'shared', n: 1 });
    expect(host.hostThreads()).toBe(2);
  });

  it('dedicated stays the default and tells the process so', async () => {
    host = new ProcessHost();
    const me = host.local();
    const pid = host.spawn({ module: fixture('whoami.mjs') });
    me.send(pid, 'who', {});
    expect(((await me.receive('me'))!.payload as Me).placement).toBe('dedicated');
    expect(host.hostThreads()).toBe(0);
  });

  it('tells monitors when a shared process exits normally, with its result', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const watcher = host.local();
    const pid = host.spawn({ module: fixture('echo.mjs'), monitors: [watcher.pid], placement: 'shared' });
    watcher.send(pid, 'ping', { n: 7 });
    await watcher.receive('pong');
    watcher.send(pid, 'stop', null);
    expect((await watcher.receive(EXIT_TOPIC))!.payload).toEqual({ pid, reason: 'normal', result: { count: 1 } });
    expect(await host.wait(pid)).toEqual({ pid, reason: 'normal', result: { count: 1 } });
    expect(watcher.send(pid, 'ping', { n: 8 })).toBe(false);
    host.monitor(watcher.pid, pid);
    expect(((await watcher.receive(EXIT_TOPIC))!.payload as ExitNotice).reason).toBe('normal');
  });

  it('a process that throws crashes alone: its neighbour on the same thread keeps answering', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const watcher = host.local();
    const bad = host.spawn({ module: fixture('crash.mjs'), monitors: [watcher.pid], placement: 'shared' });
    const good = host.spawn({ module: fixture('echo.mjs'), monitors: [watcher.pid], placement: 'shared' });
    expect(host.hostThreads()).toBe(1);
    watcher.send(bad, 'boom', null);
    const exit = (await watcher.receive(EXIT_TOPIC))!.payload as ExitNotice;
    expect(exit).toEqual({ pid: bad, reason: 'crash', error: { message: 'kaboom from the process', code: 'TEST_CRASH' } });
    watcher.send(good, 'ping', { n: 3 });
    expect(((await watcher.receive('pong'))!.payload as { n: number }).n).toBe(3);
    expect(watcher.send(bad, 'ping', { n: 4 })).toBe(false);
    expect(host.alive()).toContain(good);
  });

  it('a module without main crashes its process only', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const me = host.local();
    const bad = host.spawn({ module: fixture('no-main.mjs'), placement: 'shared' });
    const good = host.spawn({ module: fixture('echo.mjs'), placement: 'shared' });
    const exit = await host.wait(bad);
    expect(exit.reason).toBe('crash');
    me.send(good, 'ping', { n: 1 });
    expect(await me.receive('pong')).toBeDefined();
  });

  it('cancel aborts only that process signal and lets it finish on its own terms', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const me = host.local();
    const a = host.spawn({ module: fixture('after-kill.mjs'), parent: me.pid, placement: 'shared' });
    const b = host.spawn({ module: fixture('after-kill.mjs'), parent: me.pid, placement: 'shared' });
    await me.receive('waiting');
    await me.receive('waiting');
    expect(host.cancel(a, 'user pressed ctrl-c')).toBe(true);
    const after = (await me.receive('after-abort'))!;
    expect(after.from).toBe(a);
    expect(after.payload).toEqual({ reason: 'user pressed ctrl-c' });
    expect(await host.wait(a)).toEqual({ pid: a, reason: 'normal', result: { sent: true } });
    expect(host.alive()).toContain(b);
  });

  it('kill is cooperative: the process is reported killed at once, its signal aborts, its later sends and exit are dropped', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const me = host.local();
    const victim = host.spawn({ module: fixture('after-kill.mjs'), parent: me.pid, monitors: [me.pid], placement: 'shared' });
    const neighbour = host.spawn({ module: fixture('echo.mjs'), placement: 'shared' });
    await me.receive('waiting');
    const notice = await host.kill(victim);
    expect(notice).toEqual({ pid: victim, reason: 'killed' });
    expect((await me.receive(EXIT_TOPIC))!.payload).toEqual({ pid: victim, reason: 'killed' });
    // The thread handles messages in order: once the neighbour's pong is back, anything the killed process
    // sent after its signal aborted has been seen (and dropped) by the supervisor.
    me.send(neighbour, 'ping', { n: 1 });
    expect(await me.receive('pong')).toBeDefined();
    expect(await me.receive('after-abort', AbortSignal.abort())).toBeUndefined();
    expect(host.state(victim)).toEqual({ status: 'exited', notice: { pid: victim, reason: 'killed' } });
    expect(host.alive()).toContain(neighbour);
    expect(host.alive()).not.toContain(victim);
  });

  it('a host thread that dies gives every process on it a crash notice; new processes get a fresh thread', async () => {
    host = new ProcessHost({ hostThreads: 1 });
    const me = host.local();
    const killer = host.spawn({ module: fixture('thread-exit.mjs'), monitors: [me.pid], placement: 'shared' });
    const others = [0, 1, 2].map(() => host.spawn({ module: fixture('echo.mjs'), monitors: [me.pid], placement: 'shared' }));
    // Every process is running (answers) before the thread goes.
    for (const pid of others) me.send(pid, 'ping', { n: 0 });
    for (let i = 0; i < others.length; i++) await me.receive('pong');
    me.send(killer, 'die', null);
    const notices: ExitNotice[] = [];
    for (let i = 0; i < 4; i++) notices.push((await me.receive(EXIT_TOPIC))!.payload as ExitNotice);
    expect(notices.map((n) => n.pid).sort()).toEqual([killer, ...others].sort());
    for (const n of notices) {
      expect(n.reason).toBe('crash');
      expect(n.error?.message).toMatch(/process host thread died/);
    }
    expect(host.alive()).toEqual([me.pid]);
    const fresh = host.spawn({ module: fixture('echo.mjs'), placement: 'shared' });
    me.send(fresh, 'ping', { n: 9 });
    expect(((await me.receive('pong'))!.payload as { n: number }).n).toBe(9);
  });

  it('args that cannot cross a thread make spawn throw and leave no process behind', () => {
    host = new ProcessHost({ hostThreads: 1 });
    const before = host.alive().length;
    expect(() => host.spawn({ module: fixture('echo.mjs'), args: { f: () => 1 }, placement: 'shared' })).toThrow();
    expect(host.alive().length).toBe(before);
  });

  it('shutdown ends cooperative shared processes normally and terminates a thread stuck in a loop', async () => {
    host = new ProcessHost({ hostThreads: 2, shutdownGraceMs: 200 });
    const me = host.local();
    await host.warm();
    const coop = host.spawn({ module: fixture('until-cancel.mjs'), parent: me.pid, placement: 'shared' });
    await me.receive('waiting');
    const stuck = host.spawn({ module: fixture('spin.mjs'), parent: me.pid, placement: 'shared' });
    await me.receive('spinning');
    await host.shutdown();
    expect(host.alive()).toEqual([]);
    expect(await host.wait(coop)).toEqual({ pid: coop, reason: 'normal', result: { canceled: 'shutdown' } });
    expect((await host.wait(stuck)).reason).toBe('shutdown');
    expect(host.hostThreads()).toBe(0);
    expect(() => host.spawn({ module: fixture('echo.mjs'), placement: 'shared' })).toThrow(/shutting down/);
  });
});
