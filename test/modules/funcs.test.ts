// The `funcs` module: calling another tool through the supervisor's callTool, with the caller's actor
// and deadline, and the callee's failures mapped to err kinds.
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.js';
import type { CallToolOptions } from '../../src/modules/host-services.js';
import { funcsModule as F } from '../../src/modules/funcs.js';
import type { CallResult } from '../../src/isolates/types.js';
import { parsePolicy } from '../../src/security/policy.js';
import { createScope } from '../../src/security/scope.js';
import { ctxWith, failure, fn } from './privileged-fixture.js';

const stats = { ms: 1 };

/** The supervisor boundary: answers per tool id, records each call. */
function fakeCallTool(answers: Record<string, CallResult | (() => never)>) {
  const calls: { id: string; input: unknown; options: CallToolOptions }[] = [];
  const callTool = async (id: string, input: unknown, options: CallToolOptions): Promise<CallResult> => {
    calls.push({ id, input, options });
    const a = answers[id];
    if (!a) throw new AppError('REGISTRY_NOT_FOUND', `no tool "${id}"`);
    return typeof a === 'function' ? a() : a;
  };
  return { calls, callTool };
}

describe('funcs.call', () => {
  it('returns the callee result and passes input, actor, deadline and a signal', async () => {
    const { calls, callTool } = fakeCallTool({ 'app.generated:echo': { status: 'ok', value: { words: 3, list: [1, 2] }, stats } });
    const ctx = ctxWith({ callTool });
    expect(await fn(F, ctx, 'call', 'app.generated:echo', { text: 'a b c' })).toEqual({ words: 3, list: [1, 2] });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.input).toEqual({ text: 'a b c' });
    expect(calls[0]!.options).toMatchObject({ actor: { id: 'service:agent' }, deadline: ctx.deadline, caller: 'app.tools:registry_tool' });
    expect(calls[0]!.options.signal).toBeInstanceOf(AbortSignal);
    await fn(F, ctx, 'call', 'app.generated:echo', 'a', 'b');
    expect(calls[1]!.input).toEqual(['a', 'b']);
  });

  it('maps callee failures to err kinds', async () => {
    const { callTool } = fakeCallTool({
      'x:tool_err': { status: 'error', error: { kind: 'ToolError', errorKind: 'NotFound', message: 'no such city' }, stats },
      'x:slow': { status: 'error', error: { kind: 'Timeout', message: 'exceeded 5000 ms' }, stats },
      'x:crash': { status: 'error', error: { kind: 'RuntimeError', message: 'attempt to index nil', line: 7 }, stats },
    });
    const ctx = ctxWith({ callTool });
    const toolErr = await failure(fn(F, ctx, 'call', 'x:tool_err', null));
    expect(toolErr).toMatchObject({ code: 'MODULE_ERROR', kind: 'NotFound', message: 'no such city' });
    expect(await failure(fn(F, ctx, 'call', 'x:slow'))).toMatchObject({ kind: 'Timeout' });
    const crash = await failure(fn(F, ctx, 'call', 'x:crash'));
    expect(crash).toMatchObject({ kind: 'Internal', details: { target: 'x:crash', error_kind: 'RuntimeError', line: 7 } });
    expect(crash.message).toMatch(/x:crash: RuntimeError: attempt to index nil/);
    expect(await failure(fn(F, ctx, 'call', 'x:missing'))).toMatchObject({ kind: 'NotFound' });
  });

  it('refuses bad targets, spent deadlines and denied calls without calling', async () => {
    const { calls, callTool } = fakeCallTool({ 'app:secret': { status: 'ok', value: 1, stats } });
    expect(await failure(fn(F, ctxWith({ callTool }), 'call', 'no_namespace'))).toMatchObject({ kind: 'Invalid' });
    expect(await failure(fn(F, ctxWith({ callTool }, { deadline: Date.now() - 1 }), 'call', 'app:secret'))).toMatchObject({ kind: 'Timeout' });
    const deny = parsePolicy('t:no_app_calls', 't', { actions: 'funcs.call', resources: 'app:*', effect: 'deny' }, undefined);
    const denied = await failure(fn(F, ctxWith({ callTool, scope: createScope([deny]) }), 'call', 'app:secret'));
    expect(denied).toMatchObject({ kind: 'PermissionDenied' });
    expect(calls).toHaveLength(0);
    expect(await failure(fn(F, ctxWith({}), 'call', 'app:secret'))).toMatchObject({ kind: 'Unavailable' });
  });
});
