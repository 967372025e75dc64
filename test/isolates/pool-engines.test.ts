// The pool with the real guest engines (Lua via wasmoon, QuickJS when built): concurrency, a remote
// http_client call through the host channel, engine deadlines, and a C-level wedge only the supervisor can stop.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIsolatePool, type IsolatePool } from '../../src/isolates/pool.js';
import { DEFAULT_LIMITS, type Limits, type ToolKind, type ToolSpec } from '../../src/isolates/types.js';
import { distPath } from '../../src/paths.js';

const actor = { id: 'tester', meta: {} };
let server: Server;
let port: number;
let pool: IsolatePool;

function tool(kind: ToolKind, source: string, modules: string[] = [], limits: Partial<Limits> = {}): ToolSpec {
  return { id: 'app.tools:t', version: 1, kind, source, method: 'handler', modules, trusted: false, limits: { ...DEFAULT_LIMITS, ...limits } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    res.setHeader('x-seen', req.url ?? '');
    res.end(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  pool = createIsolatePool({ size: 2, services: { net: { allow: [`127.0.0.1:${port}`] } } });
});
afterAll(async () => {
  await pool.close();
  await new Promise((resolve) => server.close(resolve));
});

const haveLua = existsSync(distPath('src/isolates/lua/lua-engine.js'));
const haveJs = existsSync(distPath('src/isolates/js/js-engine.js'));

describe.skipIf(!haveLua)('pool with the Lua engine', () => {
  it('refuses a malformed task at the worker boundary (schema check) and keeps serving', async () => {
    const bad = { ...tool('function.lua', 'return { handler = function() return 1 end }'), modules: 'time' as unknown as string[] };
    const r = await pool.call(bad, {}, { actor });
    expect(r.status).toBe('error');
    if (r.status === 'error') {
      expect(r.error.kind).toBe('Internal');
      expect(r.error.message).toContain('malformed isolate task: tool.modules');
    }
    const good = await pool.call(tool('function.lua', 'return { handler = function() return 2 end }'), {}, { actor });
    expect(good).toMatchObject({ status: 'ok', value: 2 });
  });

  it('runs concurrent calls with fresh state each time', async () => {
    const spec = tool('function.lua', 'counter = (counter or 0) + 1\nreturn { handler = function(input) return { n = input.n * 2, counter = counter } end }');
    const results = await Promise.all(Array.from({ length: 100 }, (_, n) => pool.call(spec, { n }, { actor })));
    for (const [n, r] of results.entries()) expect(r).toMatchObject({ status: 'ok', value: { n: n * 2, counter: 1 } });
  });

  it('makes a remote http_client call through the host channel and gets binary data back', async () => {
    const spec = tool(
      'function.lua',
      `local http = require("http_client")
       return { handler = function(input)
         local r, err = http.get(input.url)
         if err then return nil, err end
         return { status = r.status_code, len = #r.body, first = string.byte(r.body, 1), seen = r.headers["X-Seen"] }
       end }`,
      ['http_client'],
    );
    const r = await pool.call(spec, { url: `http://127.0.0.1:${port}/hello` }, { actor });
    expect(r).toMatchObject({ status: 'ok', value: { status: 200, len: 4, first: 0xde, seen: '/hello' } });
  });

  it('gives the guest the egress refusal as an err value', async () => {
    const spec = tool(
      'function.lua',
      'local http = require("http_client")\nreturn { handler = function() local r, err = http.get("http://169.254.169.254/") return { kind = err:kind() } end }',
      ['http_client'],
    );
    expect(await pool.call(spec, null, { actor })).toMatchObject({ status: 'ok', value: { kind: 'PermissionDenied' } });
  });

  it('stops a wedge inside a C function (pattern backtracking) at the hard deadline and keeps serving', async () => {
    const wedge = tool(
      'function.lua',
      'return { handler = function() return string.find(string.rep("a", 100000), ".-.-.-.-.-.-b") end }',
      [],
      { timeoutMs: 300 },
    );
    const echo = tool('function.lua', 'return { handler = function(input) return input end }');
    const [w, ...others] = await Promise.all([wedge, echo, echo, echo].map((s, i) => pool.call(s, i, { actor })));
    expect(w).toMatchObject({ status: 'error', error: { kind: 'Timeout' } });
    expect(others.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(pool.stats().workerReplacements).toBeGreaterThanOrEqual(1);
    expect(await pool.call(echo, 'after', { actor })).toMatchObject({ status: 'ok', value: 'after' });
  });
});

describe.skipIf(!haveLua || !haveJs)('a memory bomb at the default cap, both engines', () => {
  it('fails alone, and its worker is replaced so the grown WebAssembly heap goes back; the next calls are served', async () => {
    const own = createIsolatePool({ size: 1, spareThreads: 0 });
    try {
      const luaBomb = tool('function.lua', 'return { handler = function() local s = "x"\nfor i = 1, 26 do s = s .. s end\nreturn #s end }');
      const jsBomb = tool('function.js', 'export function handler() { const a = []; for (let i = 0; i < 1e8; i++) a.push({ i }); return a.length; }');
      const fine = (kind: ToolKind) =>
        tool(kind, kind === 'function.lua' ? 'return { handler = function() return 1 end }' : 'export function handler() { return 1; }');
      for (const bomb of [luaBomb, jsBomb]) {
        expect(await own.call(bomb, null, { actor })).toMatchObject({ status: 'error', error: { kind: 'MemoryLimit' } });
        for (const kind of ['function.lua', 'function.js'] as const) expect(await own.call(fine(kind), null, { actor })).toMatchObject({ status: 'ok', value: 1 });
      }
      expect(own.stats()).toMatchObject({ retiredForMemory: 2, workerReplacements: 0 });
    } finally {
      await own.close();
    }
  });
});

describe.skipIf(!haveJs)('pool with the QuickJS engine', () => {
  it('runs concurrent calls and a remote http_client call', async () => {
    const spec = tool('function.js', 'export function handler(input) { return { n: input.n + 1 }; }');
    const results = await Promise.all(Array.from({ length: 50 }, (_, n) => pool.call(spec, { n }, { actor })));
    for (const [n, r] of results.entries()) expect(r).toMatchObject({ status: 'ok', value: { n: n + 1 } });
    const http = tool(
      'function.js',
      'const http = require("http_client");\nexport function handler(input) { const r = http.get(input.url); return { status: r.status_code, len: r.body.length }; }',
      ['http_client'],
    );
    expect(await pool.call(http, { url: `http://127.0.0.1:${port}/js` }, { actor })).toMatchObject({ status: 'ok', value: { status: 200, len: 4 } });
  });
});
