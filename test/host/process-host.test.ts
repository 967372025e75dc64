// Process host behaviour: pids, send/listen by topic, monitors, crashes, kill, cancel and shutdown.
// Processes are real worker threads running the compiled workers/process-worker.js.
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { ProcessHost } from '../../src/host/process-host.js';
import { prestartProcess } from '../../src/host/prestart.js';
import { EXIT_TOPIC } from '../../schemas/messages/process.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/host/${name}`, import.meta.url));

let host: ProcessHost;
afterEach(async () => {
  await host?.shutdown();
});

describe('process host', () => {
  it('gives every process a distinct pid and routes messages by pid and topic', async () => {
    host = new ProcessHost();
    const me = host.local();
    const a = host.spawn({ module: fixture('echo.mjs'), args: 'A' });
    const b = host.spawn({ module: fixture('echo.mjs'), args: 'B' });
    expect(new Set([me.pid, a, b, host.rootPid]).size).toBe(4);
    me.send(a, 'ping', { n: 1 });
    me.send(b, 'ping', { n: 2 });
    const replies = [await me.receive('pong'), await me.receive('pong')].map((m) => m!.payload as { n: number; args: string; pid: string });
    replies.sort((x, y) => x.n - y.n);
    expect(replies).toEqual([
      { n: 1, args: 'A', pid: a },
      { n: 2, args: 'B', pid: b },
    ]);
  });

  it('streams to the terminal as messages on a topic, in order', async () => {
    host = new ProcessHost();
    const terminal = host.local();
    const pid = host.spawn({ module: fixture('stream.mjs'), args: { n: 50, to: terminal.pid } });
    const got: string[] = [];
    for await (const msg of terminal.listen('stream')) {
      const p = msg.payload as { type: string; content?: string };
      expect(msg.from).toBe(pid);
      if (p.type === 'done') break;
      got.push(p.content!);
    }
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
    expect((await host.wait(pid)).reason).toBe('normal');
  });

  it('tells monitors when a process exits normally, with its result', async () => {
    host = new ProcessHost();
    const watcher = host.local();
    const pid = host.spawn({ module: fixture('echo.mjs'), monitors: [watcher.pid] });
    watcher.send(pid, 'ping', { n: 7 });
    await watcher.receive('pong');
    watcher.send(pid, 'stop', null);
    const exit = await watcher.receive(EXIT_TOPIC);
    expect(exit!.payload).toEqual({ pid, reason: 'normal', result: { count: 1 } });
  });

  it('survives a crashing process and reports the crash to its monitors', async () => {
    host = new ProcessHost();
    const watcher = host.local();
    const bad = host.spawn({ module: fixture('crash.mjs'), monitors: [watcher.pid] });
    const good = host.spawn({ module: fixture('echo.mjs') });
    watcher.send(bad, 'boom', null);
    const exit = (await watcher.receive(EXIT_TOPIC))!.payload as { reason: string; error: { message: string; code: string } };
    expect(exit.reason).toBe('crash');
    expect(exit.error).toEqual({ message: 'kaboom from the process', code: 'TEST_CRASH' });
    watcher.send(good, 'ping', { n: 3 });
    expect(((await watcher.receive('pong'))!.payload as { n: number }).n).toBe(3);
    expect(watcher.send(bad, 'ping', { n: 4 })).toBe(false);
  });

  it('kills a process that never yields, while others keep answering', async () => {
    host = new ProcessHost();
    const me = host.local();
    const spinner = host.spawn({ module: fixture('spin.mjs'), parent: me.pid, monitors: [me.pid] });
    await me.receive('spinning');
    const echo = host.spawn({ module: fixture('echo.mjs') });
    me.send(echo, 'ping', { n: 1 });
    expect(await me.receive('pong')).toBeDefined();
    const notice = await host.kill(spinner);
    expect(notice?.reason).toBe('killed');
    expect(((await me.receive(EXIT_TOPIC))!.payload as { pid: string }).pid).toBe(spinner);
    expect(host.alive()).toContain(echo);
    expect(host.alive()).not.toContain(spinner);
  });

  it('cancel aborts the process signal and lets it finish on its own terms', async () => {
    host = new ProcessHost();
    const me = host.local();
    const pid = host.spawn({ module: fixture('until-cancel.mjs'), parent: me.pid });
    await me.receive('waiting');
    expect(host.cancel(pid, 'user pressed ctrl-c')).toBe(true);
    expect(await host.wait(pid)).toEqual({ pid, reason: 'normal', result: { canceled: 'user pressed ctrl-c' } });
  });

  it('shutdown stops cooperative and stuck processes alike and closes local mailboxes', async () => {
    host = new ProcessHost({ shutdownGraceMs: 200 });
    const me = host.local();
    const coop = host.spawn({ module: fixture('until-cancel.mjs'), parent: me.pid });
    await me.receive('waiting');
    const stuck = host.spawn({ module: fixture('spin.mjs'), parent: me.pid });
    await me.receive('spinning');
    await host.shutdown();
    expect(host.alive()).toEqual([]);
    expect(await me.receive()).toBeUndefined();
    expect(me.signal.aborted).toBe(true);
    expect((await host.wait(coop)).reason).toBe('normal');
    expect((await host.wait(stuck)).reason).toBe('shutdown');
    expect(() => host.spawn({ module: fixture('echo.mjs') })).toThrow(/shutting down/);
  });

  it('a monitor added after the exit still gets the notice', async () => {
    host = new ProcessHost();
    const me = host.local();
    const pid = host.spawn({ module: fixture('stream.mjs'), args: { n: 0, to: me.pid } });
    await host.wait(pid);
    host.monitor(me.pid, pid);
    expect(((await me.receive(EXIT_TOPIC))!.payload as { result: string }).result).toBe('streamed');
  });
});

describe('mailbox', () => {
  it('a long-lived signal shared by many receives keeps no listener per delivered message', async () => {
    const { Mailbox } = await import('../../src/host/mailbox.js');
    const box = new Mailbox();
    const controller = new AbortController();
    const added: string[] = [];
    const removed: string[] = [];
    const signal = controller.signal;
    const origAdd = signal.addEventListener.bind(signal);
    const origRemove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((type: string, ...rest: unknown[]) => {
      added.push(type);
      return (origAdd as (...a: unknown[]) => void)(type, ...rest);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((type: string, ...rest: unknown[]) => {
      removed.push(type);
      return (origRemove as (...a: unknown[]) => void)(type, ...rest);
    }) as typeof signal.removeEventListener;
    for (let i = 0; i < 50; i++) {
      const next = box.next('t', signal);
      box.deliver({ from: '<0.1>', topic: 't', payload: i });
      expect((await next).value?.payload).toBe(i);
    }
    expect(added.length).toBe(50);
    expect(removed.length).toBe(50);
    const pending = box.next('t', signal);
    controller.abort();
    expect((await pending).done).toBe(true);
  });
});

describe('prestarted process workers', () => {
  it('a prestarted worker runs the process spawn gives it: its pid, parent and args, messages both ways', async () => {
    host = new ProcessHost();
    const me = host.local();
    const prestarted = prestartProcess(fixture('where.mjs'));
    const pid = host.spawn({ module: fixture('where.mjs'), args: 'P', prestarted });
    me.send(pid, 'ping', { n: 7 });
    // Imported by the prestarted worker (not a fresh one started by spawn).
    expect((await me.receive('pong'))!.payload).toEqual({ n: 7, args: 'P', pid, prestarted: true });
    expect(await host.wait(pid)).toMatchObject({ reason: 'normal', result: 'done' });
    await prestarted.stopped; // the adopted thread ends with its process
  });

  it("a prestarted module's prepare(hint) gets the hint and runs before main, which does not wait for its async work", async () => {
    host = new ProcessHost();
    const me = host.local();
    const hint = { home: '/h', appDir: '/a' };
    const prestarted = prestartProcess(fixture('prepared.mjs'), { prepare: hint });
    // Spawned at once: the start may reach the worker before its import finished; prepare still runs first.
    const pid = host.spawn({ module: fixture('prepared.mjs'), prestarted });
    me.send(pid, 'ping', {});
    expect((await me.receive('pong'))!.payload).toEqual({ hint, prepareRanFirst: true, slowDone: false });
    expect(await host.wait(pid)).toMatchObject({ reason: 'normal', result: 'done' });
  });

  it('prepare is not called without a hint, nor on a worker started by spawn', async () => {
    host = new ProcessHost();
    const me = host.local();
    const bare = prestartProcess(fixture('prepared.mjs'));
    for (const pid of [host.spawn({ module: fixture('prepared.mjs'), prestarted: bare }), host.spawn({ module: fixture('prepared.mjs') })]) {
      me.send(pid, 'ping', {});
      expect((await me.receive('pong'))!.payload).toEqual({ hint: undefined, prepareRanFirst: false, slowDone: false });
      expect(await host.wait(pid)).toMatchObject({ reason: 'normal' });
    }
  });

  it('a worker that died before its spawn is not adopted: the process runs in a fresh worker', async () => {
    host = new ProcessHost();
    const prestarted = prestartProcess(fixture('exit-if-prestarted.mjs'));
    await prestarted.stopped;
    const pid = host.spawn({ module: fixture('exit-if-prestarted.mjs'), prestarted });
    expect(await host.wait(pid)).toMatchObject({ reason: 'normal', result: 'ran' });
  });

  it('spawn stops a prestarted worker it cannot use (another module, resource limits, shared placement)', async () => {
    host = new ProcessHost();
    const other = prestartProcess(fixture('echo.mjs'));
    const limited = prestartProcess(fixture('exit-if-prestarted.mjs'));
    const shared = prestartProcess(fixture('exit-if-prestarted.mjs'));
    const pids = [
      host.spawn({ module: fixture('exit-if-prestarted.mjs'), prestarted: other }),
      host.spawn({ module: fixture('exit-if-prestarted.mjs'), prestarted: limited, resourceLimits: { maxOldGenerationSizeMb: 64 } }),
      host.spawn({ module: fixture('exit-if-prestarted.mjs'), prestarted: shared, placement: 'shared' }),
    ];
    for (const pid of pids) expect(await host.wait(pid)).toMatchObject({ reason: 'normal', result: 'ran' });
    await Promise.all([other.stopped, limited.stopped, shared.stopped]);
  });

  it('a module that fails to import in a prestarted worker crashes the process once it is spawned, with the error', async () => {
    host = new ProcessHost();
    const watcher = host.local();
    const prestarted = prestartProcess(fixture('import-fails.mjs'));
    const pid = host.spawn({ module: fixture('import-fails.mjs'), prestarted, monitors: [watcher.pid] });
    const notice = await host.wait(pid);
    expect(notice.reason).toBe('crash');
    expect(notice.error?.message).toContain('this module cannot be imported');
    expect((await watcher.receive(EXIT_TOPIC))!.payload).toMatchObject({ pid, reason: 'crash' });
  });

  it('a prestarted worker nobody spawns is stopped by dispose', async () => {
    const prestarted = prestartProcess(fixture('echo.mjs'));
    prestarted.dispose();
    await prestarted.stopped;
    expect(prestarted.adopt(prestarted.module, prestarted.script)).toBeUndefined();
  });
});
