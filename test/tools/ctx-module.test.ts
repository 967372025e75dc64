// The ctx module in a real Lua and JS isolate: ctx.get/ctx.all return what the caller attached to the
// call, a missing key is a NotFound err, and a call without context sees an empty table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallOptions } from '../../src/isolates/pool.js';
import { createIsolatePool, type IsolatePool } from '../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type ToolKind, type ToolSpec } from '../../src/isolates/types.js';
import { authoringModules } from '../../src/modules/tools-services.js';

const actor = { id: 'service:agent', meta: { role: 'agent' } };
const context = { session: 's-9', turn: 3, prompt: 'what time is it', agent: 'app:dev_assistant', loaded_tools: ['doc_search', 'now'] };
let pool: IsolatePool;

function tool(kind: ToolKind, source: string): ToolSpec {
  return { id: 'app.generated:ctx_probe', version: 1, kind, source, method: 'handler', modules: ['ctx'], trusted: false, limits: DEFAULT_LIMITS };
}

const withContext = (c: unknown): CallOptions => ({ actor, context: c } as CallOptions);

beforeAll(() => {
  pool = createIsolatePool({ size: 1, ...authoringModules() });
});
afterAll(async () => {
  await pool.close();
});

describe('ctx module', () => {
  it('gives a Lua tool the call context by key and as a whole', async () => {
    const spec = tool(
      'function.lua',
      `local ctx = require("ctx")
       return { handler = function()
         local prompt = ctx.get("prompt")
         local missing, err = ctx.get("nope")
         local all = ctx.all()
         return { prompt = prompt, second = ctx.get("loaded_tools")[2], missing = missing, kind = err:kind(), msg = err:message(), turn = all.turn }
       end }`,
    );
    const r = await pool.call(spec, null, withContext(context));
    expect(r).toMatchObject({
      status: 'ok',
      value: {
        prompt: 'what time is it',
        second: 'now',
        kind: 'NotFound',
        msg: 'ctx.get: this call has no context value "nope" (it has: agent, loaded_tools, prompt, session, turn)',
        turn: 3,
      },
    });
  });

  it('gives a JS tool the same values, throwing for a missing key', async () => {
    const spec = tool(
      'function.js',
      `export function handler() {
         const ctx = require("ctx");
         let kind = null;
         try { ctx.get("nope"); } catch (e) { kind = e.kind; }
         return { session: ctx.get("session"), all: ctx.all(), kind };
       }`,
    );
    const r = await pool.call(spec, null, withContext(context));
    expect(r).toMatchObject({ status: 'ok', value: { session: 's-9', all: context, kind: 'NotFound' } });
  });

  it('is empty for a call without context', async () => {
    const spec = tool('function.lua', 'local ctx = require("ctx") return { handler = function() local v, err = ctx.get("session") return { n = #ctx.all(), err = tostring(err) } end }');
    const r = await pool.call(spec, null, { actor });
    expect(r).toMatchObject({ status: 'ok', value: { n: 0, err: expect.stringContaining('it carries no context') } });
  });
});
