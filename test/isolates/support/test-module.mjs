// A module for pool tests: remote functions that echo values (binary, bigint), return big payloads,
// never answer, or call another tool through services.callTool; plus a local function.
// @ts-check

export const testModule = {
  name: 'testmod',
  summary: 'test-only module',
  functions: {
    local_add: (_ctx, a, b) => a + b,
    echo: async (_ctx, ...args) => ({ __multi: args }),
    whoami: async (ctx) => ({ entry: ctx.entryId, actor: ctx.actor.id, trusted: ctx.trusted, has_services: ctx.services !== undefined }),
    big: async (_ctx, n) => new Uint8Array(Number(n)).fill(7),
    never: () => {
      globalThis.__testNeverCalled?.();
      return new Promise(() => {});
    },
    fail: async () => {
      const { ModuleFailure } = await import(new URL('../../../dist/src/modules/module-spec.js', import.meta.url).href);
      throw new ModuleFailure('NotFound', 'nothing here', { retryable: false });
    },
    nested: async (ctx, id, input) => {
      const result = await ctx.services.callTool(id, input, { actor: ctx.actor, deadline: ctx.deadline });
      return result.status === 'ok' ? { ok: result.value } : { error: result.error.kind, message: result.error.message };
    },
  },
  remote: ['echo', 'whoami', 'big', 'never', 'fail', 'nested'],
};

export const privilegedTestModule = {
  name: 'testpriv',
  privileged: true,
  summary: 'test-only privileged module',
  functions: { ping: async () => 'pong' },
  remote: ['ping'],
};
