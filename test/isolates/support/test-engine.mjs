// A tiny GuestEngine for pool tests: the tool source is a JSON instruction ({op: ...}) the engine obeys,
// including ones no real engine allows (spin forever, kill the thread) to test the supervisor's defences.
// @ts-check
import { threadId } from 'node:worker_threads';

/** @param {string} message @param {string} kind */
function fail(kind, message, started) {
  return { status: 'error', error: { kind, message }, stats: { ms: Date.now() - started } };
}

/** @param {unknown} err */
function asToolError(err, started) {
  const e = /** @type {any} */ (err);
  if (e && e.code === 'MODULE_ERROR') {
    return { status: 'error', error: { kind: 'ToolError', errorKind: e.kind, message: e.message }, stats: { ms: Date.now() - started } };
  }
  return fail('RuntimeError', e && e.message ? e.message : String(err), started);
}

export async function createTestEngine() {
  /** Tool ids prepare() was asked to warm in this engine (the 'was-prepared' op reports membership). */
  const prepared = new Set();
  /** What heapBytes() reports: the 'grow' op (or a held call's input.grow) sets it, as a call that grew a WebAssembly heap would. */
  let heap = 0;
  return {
    language: 'lua',
    heapBytes: () => heap,
    prepare(tool) {
      if (prepared.has(tool.id)) return false;
      prepared.add(tool.id);
      return true;
    },
    compile(tool) {
      try {
        JSON.parse(tool.source);
        return undefined;
      } catch (err) {
        return { kind: 'CompileError', message: String(err), line: 1 };
      }
    },
    call(tool, input, bridge) {
      const started = Date.now();
      const deadline = started + tool.limits.timeoutMs;
      let program;
      try {
        program = JSON.parse(tool.source);
      } catch (err) {
        return fail('CompileError', String(err), started);
      }
      bridge.begin(tool, deadline);
      try {
        switch (program.op) {
          case 'was-prepared':
            return { status: 'ok', value: prepared.has(tool.id), stats: { ms: Date.now() - started } };
          case 'echo':
            return { status: 'ok', value: input, stats: { ms: Date.now() - started } };
          case 'thread':
            return { status: 'ok', value: threadId, stats: { ms: Date.now() - started } };
          case 'grow':
            heap = program.bytes;
            if (program.fail) return fail('MemoryLimit', `grew to ${heap} bytes`, started);
            return { status: 'ok', value: threadId, stats: { ms: Date.now() - started } };
          case 'invoke': {
            // args: the program's args, with "$input" replaced by the call input
            const args = (program.args ?? []).map((a) => (a === '$input' ? input : a));
            const value = bridge.invoke(program.module, program.fn, args);
            return { status: 'ok', value, stats: { ms: Date.now() - started } };
          }
          case 'cooperative-loop':
            // An interruptible loop: the engine checks its own deadline, like a Lua count hook.
            for (;;) if (Date.now() > deadline) return fail('Timeout', 'deadline exceeded', started);
          case 'spin':
            // A wedge the engine cannot interrupt: only the supervisor can stop this worker.
            for (;;);
          case 'wait-then-echo':
            // Blocks until the test releases a shared flag (lets a test hold a worker busy without timing).
            Atomics.wait(new Int32Array(input.flag), 0, 0);
            if (input.grow !== undefined) {
              heap = input.grow;
              return fail('MemoryLimit', `grew to ${heap} bytes`, started);
            }
            return { status: 'ok', value: input.value, stats: { ms: Date.now() - started } };
          case 'exit':
            process.exit(3);
          default:
            return fail('RuntimeError', `unknown op ${program.op}`, started);
        }
      } catch (err) {
        return asToolError(err, started);
      } finally {
        bridge.end();
      }
    },
    dispose() {},
  };
}
