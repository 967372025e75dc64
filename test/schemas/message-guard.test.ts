// Tests of messageGuard: what its closures accept zod accepts too, over every hot-path message schema and
// thousands of mutations of real messages; accepted messages come back as they were; unsupported shapes throw.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntrySchema, type Entry } from '../../schemas/entry.js';
import { schemasFor } from '../../schemas/kinds/kind-table.js';
import { validateEntry } from '../../schemas/validate.js';
import { loadDefinitions } from '../../src/registry/loader.js';
import { builtinAppDir } from '../../src/paths.js';
import { FunctionDataSchema } from '../../schemas/kinds/function-code.js';
import { messageGuard } from '../../schemas/message-guard.js';
import { AgentEventSchema, AgentInputSchema, ToolCallReplySchema, ToolCallRequestSchema } from '../../schemas/messages/agent.js';
import { CallResultSchema, CallTaskSchema, HostChannelMessageSchema, HostReleaseSchema } from '../../schemas/messages/isolate.js';
import { ExitNoticeSchema, FromHostThreadSchema, FromWorkerSchema, ToHostThreadSchema, ToWorkerSchema } from '../../schemas/messages/process.js';
import { AgentArgsSchema } from '../../src/agent/agent-args.js';

const toolEntry = {
  id: 'app.generated:clock',
  kind: 'function.lua',
  meta: { type: 'tool', llm_alias: 'clock', input_schema: { type: 'object', properties: {} } },
  data: { source: 'return {}', method: 'handler', modules: ['time', 'json'], limits: { timeout_ms: 100 }, imports: { h: 'app.lib:h' } },
};
const spec = {
  id: 'app.generated:clock',
  version: 3,
  kind: 'function.lua',
  source: 'return { handler = function() return 1 end }',
  method: 'handler',
  modules: ['time'],
  trusted: false,
  limits: { timeoutMs: 5000, memoryBytes: 33554432, outputBytes: 1048576, instructions: 1e8, maxDepth: 4 },
};
const actor = { id: 'service:agent', meta: { role: 'agent' } };
const context = { session: 's1', turn: 2, prompt: 'what time is it?', agent: 'app:dev_assistant', loaded_tools: ['app.generated:clock'] };

/** Real messages of each schema the runtime guards (shapes as the pool, host and agent send them). */
const SAMPLES: readonly { name: string; schema: z.ZodType; values: unknown[] }[] = [
  {
    name: 'CallTask',
    schema: CallTaskSchema,
    values: [
      { op: 'call', key: 'k1', tool: spec, input: { a: 1, b: [true, null] }, actor, deadline: 1_800_000_000_000, depth: 0, context, slot: 4 },
      { op: 'call', key: 'k1', input: null, actor, deadline: 0, depth: 2, slot: -1 },
    ],
  },
  {
    name: 'CallResult',
    schema: CallResultSchema,
    values: [
      { status: 'ok', value: { utc: '2026-11-22T04:00:00Z' }, stats: { ms: 0.4, memoryBytes: 1024 }, logs: ['x'] },
      { status: 'error', error: { kind: 'Timeout', message: 'app.generated:loop: timed out', line: 3, errorKind: 'x' }, stats: { ms: 50 } },
    ],
  },
  { name: 'Entry', schema: EntrySchema, values: [toolEntry, { id: 'app:m', kind: 'registry.entry', meta: {}, data: null }] },
  { name: 'FunctionData', schema: FunctionDataSchema, values: [toolEntry.data, { source: 'x', pool: { type: 'lazy', size: 2 } }] },
  { name: 'HostRelease', schema: HostReleaseSchema, values: [{ channel: '7:1', callId: 12 }] },
  {
    name: 'HostChannelMessage',
    schema: HostChannelMessageSchema,
    values: [
      {
        __microAgiHostChannel: 'call', channel: '7:1', sab: new SharedArrayBuffer(16), seq: 1, callId: 0, module: 'registry', fn: 'get',
        args: ['app:x', { deep: [1, 2] }], entryId: 'app.tools:load_tool', trusted: true, actor, deadline: 1_800_000_000_000, depth: 0,
      },
      { __microAgiHostChannel: 'release', channel: '7:1', callId: 3 },
    ],
  },
  {
    name: 'ToHostThread',
    schema: ToHostThreadSchema,
    values: [
      { type: 'start', pid: '<0.4>', parent: '<0.1>', module: '/x/agent-process.js', args: { home: '/h' } },
      { type: 'deliver', pid: '<0.4>', from: '<0.1>', topic: 'agent.input', payload: { type: 'prompt', turn: 1, text: 'hi' } },
      { type: 'cancel', pid: '<0.4>', reason: 'ctrl-c' },
      { type: 'preload', module: '/x/agent-process.js' },
    ],
  },
  {
    name: 'FromHostThread',
    schema: FromHostThreadSchema,
    values: [
      { type: 'send', pid: '<0.4>', to: '<0.1>', topic: 'agent.event', payload: { type: 'chunk', turn: 1, content: 'The time' } },
      { type: 'exit', pid: '<0.4>' },
      { type: 'crash', pid: '<0.4>', error: { message: 'boom', code: 'X', stack: 'at y' } },
      { type: 'preloaded', module: '/x/a.js', error: 'not found' },
    ],
  },
  {
    name: 'ToWorker',
    schema: ToWorkerSchema,
    values: [{ type: 'deliver', from: '<0.1>', topic: 't', payload: [1] }, { type: 'cancel', reason: 'r' }],
  },
  {
    name: 'FromWorker',
    schema: FromWorkerSchema,
    values: [{ type: 'ready' }, { type: 'send', to: '<0.1>', topic: 't', payload: 'p' }, { type: 'exit', result: 1 }],
  },
  {
    name: 'AgentInput',
    schema: AgentInputSchema,
    values: [{ type: 'prompt', turn: 3, text: 'hi' }, { type: 'query', what: 'cost' }, { type: 'reset' }],
  },
  {
    name: 'ToolCallRequest',
    schema: ToolCallRequestSchema,
    values: [{ type: 'call', call_id: 'call_1', entry_id: 'app.tools:doc_search', input: { query: 'time' }, context }, { type: 'cancel', call_id: 'c' }],
  },
  {
    name: 'AgentEvent',
    schema: AgentEventSchema,
    values: [
      { type: 'ready', agent: 'app:dev_assistant', model: 'gpt-4.1', tools: ['doc_search', 'create_tool'] },
      { type: 'tool_result', turn: 1, id: 'call_1', name: 'clock', ok: false, error: { type: 'invalid_input', message: 'b must be number' } },
      { type: 'compressed', turn: 2, before_chars: 90000, after_chars: 3900, prompt_tokens: 98000, estimated: true, reason: 'overflow' },
      { type: 'usage', turn: 1, tokens: { prompt: 20, completion: 1, cached: 0, reasoning: 0, total: 21 }, cost: 0.0001, session_cost: 0.0002 },
      { type: 'turn_end', turn: 1, status: 'answered', steps: 5 },
    ],
  },
  { name: 'ExitNotice', schema: ExitNoticeSchema, values: [{ pid: '<0.4>', reason: 'crash', error: { message: 'boom', code: 'X' } }, { pid: '<0.5>', reason: 'normal', result: { stopped: 'stop' } }] },
  {
    name: 'AgentArgs',
    schema: AgentArgsSchema,
    values: [
      {
        agentId: 'app:dev_assistant', home: '/h', appDir: '/a', toolService: '<0.2>', terminal: '<0.1>', model: 'gpt-4.1-nano', maxSteps: 16,
        env: { OPENAI_BASE_URL: 'http://127.0.0.1:1' }, compressAt: 0.75, compressChars: 4000, maxResultChars: 40000, streamChunks: false, dry: true,
      },
    ],
  },
  {
    name: 'ToolCallReply',
    schema: ToolCallReplySchema,
    values: [
      { call_id: 'call_1', result: { status: 'ok', value: { hits: [] }, stats: { ms: 1 } } },
      { call_id: 'call_2', result: { status: 'error', error: { kind: 'ToolError', message: 'no', extra: 1 } } },
    ],
  },
];

/** Values a field may be swapped for: every type, and the edges of the checks the schemas use. */
const ODD: readonly unknown[] = [
  undefined, null, true, 0, -1, 1.5, -0.5, NaN, Infinity, -Infinity, 2 ** 53, '', 'x', '<0.1>', [], [1], {}, { a: 1 },
  Object.create(null) as unknown, new SharedArrayBuffer(1), new Uint8Array(2), new Map(), 'call', 'ok', 'error', 'send', 'Timeout',
];

/** validateEntry's rules with zod alone: the base shape, then the kind's meta and data schemas. */
function zodOnly(e: Entry): boolean {
  if (!EntrySchema.safeParse(e).success) return false;
  const schemas = schemasFor(e.kind, e.meta as Record<string, unknown>);
  return (!schemas?.meta || schemas.meta.safeParse(e.meta).success) && (!schemas?.data || schemas.data.safeParse(e.data).success);
}

type Path = readonly (string | number)[];

function paths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== 'object' || v instanceof SharedArrayBuffer) return [];
  const out: Path[] = [];
  for (const [k, x] of Object.entries(v)) {
    const key = Array.isArray(v) ? Number(k) : k;
    out.push([...at, key], ...paths(x, [...at, key]));
  }
  return out;
}

/** A copy of `v` (SharedArrayBuffers kept) with the value at `path` replaced, or deleted when `to` is DELETE. */
const DELETE = Symbol('delete');
function mutate(v: unknown, path: Path, to: unknown): unknown {
  const copy = (x: unknown): unknown =>
    x === null || typeof x !== 'object' || x instanceof SharedArrayBuffer ? x : Array.isArray(x) ? x.map(copy) : Object.fromEntries(Object.entries(x).map(([k, y]) => [k, copy(y)]));
  const root = copy(v);
  let node = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (to === DELETE) delete node[last];
  else node[last] = to;
  return root;
}

function* variants(v: unknown): Generator<unknown> {
  yield v;
  yield* ODD;
  for (const p of paths(v)) {
    yield mutate(v, p, DELETE);
    for (const o of ODD) yield mutate(v, p, o);
    const at = p.reduce<unknown>((node, k) => (node as Record<string | number, unknown>)[k], v);
    if (at !== null && typeof at === 'object' && !Array.isArray(at) && !(at instanceof SharedArrayBuffer)) yield mutate(v, [...p, 'extra'], 1);
  }
  yield mutate(v, ['extra'], 'x');
}

describe('messageGuard', () => {
  for (const { name, schema, values } of SAMPLES) {
    it(`accepts only what zod accepts: ${name}, every field of real messages swapped, dropped or joined`, () => {
      const guard = messageGuard(schema);
      let tried = 0;
      let fast = 0;
      for (const sample of values) {
        expect(guard.fastMatch(sample), `${name} sample ${JSON.stringify(sample)}`).toBe(true);
        for (const v of variants(sample)) {
          tried++;
          const zod = schema.safeParse(v).success;
          if (guard.fastMatch(v)) {
            fast++;
            expect(zod, `${name}: the guard accepted what zod refuses: ${String(JSON.stringify(v))}`).toBe(true);
          }
          expect(guard.safeParse(v).success).toBe(zod);
        }
      }
      // the mutations reach both sides: some stay valid, most do not
      expect(fast).toBeGreaterThan(values.length);
      expect(fast).toBeLessThan(tried);
    });
  }

  it('validateEntry decides as zod alone does, over every entry of the built-in app mutated', async () => {
    const { entries } = await loadDefinitions(builtinAppDir(), { logWarnings: false });
    const kinds = new Set(entries.map((e) => `${e.kind}/${String(e.meta['type'] ?? '')}`));
    expect(kinds.size).toBeGreaterThanOrEqual(7); // tools, models, the agent, policies, the host, storage, the namespace
    let tried = 0;
    for (const entry of entries) {
      for (const v of variants(entry)) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
        tried++;
        const e = v as Entry;
        expect(validateEntry(e).ok, `${entry.id}: ${String(JSON.stringify(v)).slice(0, 400)}`).toBe(zodOnly(e));
      }
    }
    expect(tried).toBeGreaterThan(1000);
  });

  it('returns an accepted message as it came (no copy), and a refused one with the error zod words', () => {
    const guard = messageGuard(CallTaskSchema);
    const task = SAMPLES[0]!.values[0] as Record<string, unknown>;
    const ok = guard.safeParse({ ...task, note: 'kept' });
    expect(ok.success && (ok.data as Record<string, unknown>)['note']).toBe('kept');
    expect(guard.parse(task)).toBe(task);
    const bad = guard.safeParse({ ...task, depth: -1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['depth']);
    expect(() => guard.parse({ ...task, key: '' })).toThrow(/key/);
  });

  it('leaves to zod what its closures cannot vouch for, and zod decides', () => {
    // a record (CallTask.context) whose prototype is not Object.prototype: zod's plain-object rule decides
    const guard = messageGuard(z.object({ context: z.record(z.string(), z.unknown()) }));
    class Ctx {
      a = 1;
    }
    const odd = { context: new Ctx() };
    expect(guard.fastMatch(odd)).toBe(false);
    expect(guard.safeParse(odd).success).toBe(z.object({ context: z.record(z.string(), z.unknown()) }).safeParse(odd).success);
  });

  it('asks a refine predicate only after the type matched, and a predicate that throws refuses', () => {
    const seen: unknown[] = [];
    const guard = messageGuard(
      z.object({ id: z.string().refine((s) => (seen.push(s), s.includes(':'))), n: z.number().refine(() => { throw new Error('x'); }) }),
    );
    expect(guard.fastMatch({ id: 'app:x', n: 1 })).toBe(false);
    expect(messageGuard(z.string().refine((s) => s.includes(':'))).fastMatch('app:x')).toBe(true);
    expect(messageGuard(z.string().refine((s) => s.includes(':'))).fastMatch('appx')).toBe(false);
    expect(guard.fastMatch({ id: 42, n: 1 })).toBe(false);
    expect(seen).toEqual(['app:x']);
  });

  it('refuses to compile what it cannot model, naming where', () => {
    expect(() => messageGuard(z.object({ a: z.string().transform((s) => s.length) }))).toThrow(/at \.a.*not supported/);
    expect(() => messageGuard(z.object({ b: z.object({ c: z.number().default(1) }) }))).toThrow(/at \.b\.c/);
    expect(() => messageGuard(z.object({ e: z.string().email() }))).toThrow(/string format "email" at \.e/);
    expect(() => messageGuard(z.object({ n: z.number() }).superRefine(() => undefined))).toThrow(/superRefine/);
  });
});
