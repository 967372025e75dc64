// A fake OpenAI-compatible HTTP server for tests and benches: real SSE for Chat Completions and Responses,
// scripted per request, with faults on demand and a record of every request. Listens on 127.0.0.1:0.
//
// Usage (the real `openai` SDK, or anything OpenAI-compatible, talks to it over loopback):
//
//   const fake = await startFakeOpenAI();
//   fake.script(
//     reply.error(429, 'slow down', { headers: { 'retry-after': '1' } }),   // 1st request
//     reply.text('Hello there.', { usage: { prompt: 12, completion: 3 } }), // 2nd request
//     reply.toolCalls([{ id: 'call_1', name: 'calc', args: { x: 1 } }], { fragmentSize: 3 }),
//     { type: 'chat', steps: [{ type: 'text', text: 'Hi' }, { type: 'emit', name: 'mid' }, { type: 'hang' }] },
//   );
//   // point the client at fake.url (ends in /v1), any API key works
//   await fake.reached('mid');          // resolves when a scripted `emit` step ran (sync without sleeps)
//   fake.requests[0].body.messages;     // every request: method, path, headers, parsed JSON body
//   await fake.close();
//
// Each request takes the next scripted reply (FIFO). A reply may be a function of the recorded request.
// With nothing scripted, `options.fallback` answers, else a 500 naming the missing script.
// Chat replies: streamed as `chat.completion.chunk` SSE when the body has `stream: true` (terminated by
// `data: [DONE]`), otherwise assembled into one `chat.completion` JSON. Usage chunks are sent only when a
// `usage` step is scripted (mirrors `stream_options.include_usage`). Responses replies: `event:`+`data:`
// SSE events (`response.created` ... `response.completed`), no [DONE].
// Faults: `reply.error(status, ...)` (any status, headers such as retry-after), `headerDelayMs` (slow
// first byte), steps `delay`, `raw` (malformed chunk), `streamError` (a data: line with an `error`
// object), `disconnect` (socket destroyed mid-stream), `hang` (send nothing until the client leaves).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventEmitter } from 'node:events';

// ---------------------------------------------------------------------------------------------------
// Script types

export interface UsageSpec {
  prompt: number;
  completion: number;
  cached?: number;
  reasoning?: number;
  /** Defaults to prompt + completion. */
  total?: number;
}

/** Steps valid in both kinds of stream. */
export type CommonStep =
  /** Pause (a scripted delay is what some tests measure the behaviour of; never used to synchronise). */
  | { type: 'delay'; ms: number }
  /** Written to the socket verbatim, e.g. `data: {not json\n\n`. */
  | { type: 'raw'; data: string }
  /** Destroy the socket without finishing the response. */
  | { type: 'disconnect' }
  /** Send nothing more; the reply ends when the client closes the connection. */
  | { type: 'hang' }
  /** Resolve `fake.reached(name)` and emit `'emit'` on `fake.events`. */
  | { type: 'emit'; name: string };

export type ChatStep =
  | CommonStep
  | { type: 'text'; text: string }
  /** A reasoning delta, sent as `delta.reasoning_content` (vLLM/DeepSeek style). */
  | { type: 'reasoning'; text: string }
  /** One tool-call fragment: the first for an index carries id+name, later ones only argument pieces. */
  | { type: 'tool'; index: number; id?: string; name?: string; args?: string }
  | { type: 'finish'; reason: 'stop' | 'length' | 'tool_calls' | 'content_filter' }
  | { type: 'usage'; usage: UsageSpec }
  /** A `data:` line whose JSON is `{error: {...}}` (a mid-stream error). */
  | { type: 'streamError'; message: string; errorType?: string; code?: string };

export type ResponsesStep =
  | CommonStep
  | { type: 'text'; text: string }
  /** A reasoning summary delta (`response.reasoning_summary_text.delta`). */
  | { type: 'reasoning'; text: string }
  /** A complete function call, its arguments streamed in `fragments` pieces. */
  | { type: 'tool'; callId: string; name: string; args: string; fragments?: number }
  | { type: 'usage'; usage: UsageSpec }
  /** Terminal event; appended automatically (status completed) when the script has none. */
  | { type: 'complete'; status?: 'completed' | 'incomplete'; reason?: 'max_output_tokens' | 'content_filter' }
  | { type: 'fail'; code: string; message: string };

export type Reply =
  | { type: 'chat'; steps: readonly ChatStep[]; headerDelayMs?: number; model?: string }
  | { type: 'responses'; steps: readonly ResponsesStep[]; headerDelayMs?: number; model?: string }
  | {
      type: 'error';
      status: number;
      message?: string;
      errorType?: string;
      code?: string;
      headers?: Readonly<Record<string, string>>;
      /** Raw body instead of the OpenAI error JSON. */
      body?: string;
      headerDelayMs?: number;
    };

export type ReplySource = Reply | ((req: RecordedRequest) => Reply);

export interface RecordedRequest {
  readonly index: number;
  readonly method: string;
  /** e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body (undefined when not JSON). */
  readonly body: any;
  /** True once the client closed the connection before the reply finished. */
  closedByClient: boolean;
  /** Settles when the reply is over (finished, destroyed, or client gone). */
  readonly done: Promise<void>;
}

export interface FakeOpenAIOptions {
  /** Answers requests when no scripted reply is left. */
  fallback?: ReplySource;
}

export interface FakeOpenAI {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  /** Queue replies, one per future request, in order. */
  script(...replies: ReplySource[]): void;
  /** Every request received, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Scripted replies not yet used. */
  pending(): number;
  /** Resolves when an `emit` step with this name has run (at once if it already ran). */
  reached(name: string): Promise<void>;
  /** Resolves when the n-th request (1-based) has arrived. */
  nthRequest(n: number): Promise<RecordedRequest>;
  /** 'request' (RecordedRequest), 'emit' (name), 'client-closed' (RecordedRequest). */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Reply builders

function usageOf(u: UsageSpec | undefined): ChatStep[] {
  return u ? [{ type: 'usage', usage: u }] : [];
}

/** Split `s` into pieces of `size` characters (at least one piece). */
export function splitText(s: string, size: number): string[] {
  if (s.length === 0) return [''];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

export interface FakeToolCall {
  id: string;
  name: string;
  /** Object (JSON-encoded) or the exact text the fake model produces. */
  args: string | Record<string, unknown>;
}

export const reply = {
  /** A streamed text answer split into `chunkSize`-character chunks (default 4). */
  text(text: string, opts: { chunkSize?: number; usage?: UsageSpec; finish?: 'stop' | 'length' | 'content_filter'; delayMs?: number } = {}): Reply {
    const steps: ChatStep[] = [];
    for (const piece of splitText(text, opts.chunkSize ?? 4)) {
      if (opts.delayMs) steps.push({ type: 'delay', ms: opts.delayMs });
      steps.push({ type: 'text', text: piece });
    }
    steps.push({ type: 'finish', reason: opts.finish ?? 'stop' }, ...usageOf(opts.usage));
    return { type: 'chat', steps };
  },

  /** Tool calls (parallel when several), each split into argument fragments of `fragmentSize` chars. */
  toolCalls(calls: readonly FakeToolCall[], opts: { fragmentSize?: number; text?: string; usage?: UsageSpec; finish?: 'tool_calls' | 'length' } = {}): Reply {
    const steps: ChatStep[] = [];
    if (opts.text) steps.push({ type: 'text', text: opts.text });
    calls.forEach((c, index) => {
      const args = typeof c.args === 'string' ? c.args : JSON.stringify(c.args);
      steps.push({ type: 'tool', index, id: c.id, name: c.name, args: '' });
      for (const piece of splitText(args, opts.fragmentSize ?? 5)) steps.push({ type: 'tool', index, args: piece });
    });
    steps.push({ type: 'finish', reason: opts.finish ?? 'tool_calls' }, ...usageOf(opts.usage));
    return { type: 'chat', steps };
  },

  /** An HTTP error with an OpenAI-style JSON body. */
  error(status: number, message = `fake error ${status}`, opts: { headers?: Record<string, string>; code?: string; errorType?: string; headerDelayMs?: number } = {}): Reply {
    return { type: 'error', status, message, ...opts };
  },

  /** A streamed Responses API text answer. */
  responsesText(text: string, opts: { chunkSize?: number; usage?: UsageSpec; reasoning?: string } = {}): Reply {
    const steps: ResponsesStep[] = [];
    if (opts.reasoning) steps.push({ type: 'reasoning', text: opts.reasoning });
    for (const piece of splitText(text, opts.chunkSize ?? 4)) steps.push({ type: 'text', text: piece });
    if (opts.usage) steps.push({ type: 'usage', usage: opts.usage });
    return { type: 'responses', steps };
  },

  /** Streamed Responses API function calls. */
  responsesToolCalls(calls: readonly FakeToolCall[], opts: { fragments?: number; usage?: UsageSpec } = {}): Reply {
    const steps: ResponsesStep[] = calls.map((c) => ({
      type: 'tool' as const,
      callId: c.id,
      name: c.name,
      args: typeof c.args === 'string' ? c.args : JSON.stringify(c.args),
      fragments: opts.fragments ?? 3,
    }));
    if (opts.usage) steps.push({ type: 'usage', usage: opts.usage });
    return { type: 'responses', steps };
  },
};

// ---------------------------------------------------------------------------------------------------
// Server

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const queue: ReplySource[] = [];
  const requests: RecordedRequest[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const reachedNames = new Set<string>();
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const record: RecordedRequest = {
      index: requests.length,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0]!,
      headers,
      body,
      closedByClient: false,
      done,
    };
    requests.push(record);
    res.on('close', () => {
      if (!res.writableFinished) {
        record.closedByClient = true;
        events.emit('client-closed', record);
      }
      finish();
    });
    events.emit('request', record);

    const source = queue.shift() ?? options.fallback;
    const r: Reply =
      source === undefined
        ? { type: 'error', status: 500, message: `fake-openai: no scripted reply left for ${record.method} ${record.path} (request #${record.index + 1})` }
        : typeof source === 'function'
          ? source(record)
          : source;
    const ctx: Ctx = { res, record, model: String((body as { model?: unknown })?.model ?? 'fake-model') };
    try {
      if (r.headerDelayMs) await wait(ctx, r.headerDelayMs);
      if (record.closedByClient) return;
      if (r.type === 'error') return sendError(res, r, record);
      const expected = r.type === 'chat' ? '/chat/completions' : '/responses';
      if (!record.path.endsWith(expected)) {
        return sendError(res, { type: 'error', status: 404, message: `fake-openai: scripted a ${r.type} reply but got ${record.path}` }, record);
      }
      if (r.type === 'chat') {
        if ((body as { stream?: unknown })?.stream === true) await streamChat(ctx, r.steps, r.model);
        else sendChatJson(ctx, r.steps, r.model);
      } else {
        await streamResponses(ctx, r.steps, r.model);
      }
    } catch (err) {
      if (!res.headersSent) sendError(res, { type: 'error', status: 500, message: `fake-openai crashed: ${String(err)}` }, record);
      else res.destroy();
    }
  }

  interface Ctx {
    res: ServerResponse;
    record: RecordedRequest;
    model: string;
    /** Settles when the last write reached the socket (so a disconnect does not drop queued data). */
    lastWrite?: Promise<void>;
  }

  function write(ctx: Ctx, data: string): void {
    ctx.lastWrite = new Promise((resolve) => ctx.res.write(data, () => resolve()));
  }

  function wait(ctx: Ctx, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      ctx.res.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Runs a common step; returns 'stop' when the reply is over. */
  async function common(ctx: Ctx, step: CommonStep): Promise<'stop' | undefined> {
    switch (step.type) {
      case 'delay':
        await wait(ctx, step.ms);
        return ctx.record.closedByClient ? 'stop' : undefined;
      case 'raw':
        write(ctx, step.data);
        return undefined;
      case 'disconnect':
        await ctx.lastWrite;
        ctx.res.socket?.destroy();
        ctx.res.destroy();
        return 'stop';
      case 'hang':
        await new Promise<void>((r) => {
          if (ctx.res.closed) r();
          else ctx.res.once('close', () => r());
        });
        return 'stop';
      case 'emit':
        reachedNames.add(step.name);
        events.emit('emit', step.name);
        return undefined;
    }
  }

  function sseHeaders(res: ServerResponse, record: RecordedRequest): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': `req_fake_${record.index + 1}`,
    });
    res.flushHeaders();
  }

  function usageJson(u: UsageSpec) {
    return {
      prompt_tokens: u.prompt,
      completion_tokens: u.completion,
      total_tokens: u.total ?? u.prompt + u.completion,
      prompt_tokens_details: { cached_tokens: u.cached ?? 0 },
      completion_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    };
  }

  async function streamChat(ctx: Ctx, steps: readonly ChatStep[], model?: string): Promise<void> {
    const { res, record } = ctx;
    sseHeaders(res, record);
    const id = `chatcmpl-fake-${record.index + 1}`;
    const base = { id, object: 'chat.completion.chunk', created: 1_700_000_000, model: model ?? ctx.model };
    let roleSent = false;
    const send = (obj: unknown) => write(ctx, `data: ${JSON.stringify(obj)}\n\n`);
    const delta = (d: Record<string, unknown>, finish: string | null = null) => {
      const withRole = roleSent ? d : { role: 'assistant', ...d };
      roleSent = true;
      send({ ...base, choices: [{ index: 0, delta: withRole, finish_reason: finish }] });
    };
    for (const step of steps) {
      if (record.closedByClient) return;
      switch (step.type) {
        case 'text':
          delta({ content: step.text });
          break;
        case 'reasoning':
          delta({ reasoning_content: step.text });
          break;
        case 'tool': {
          const fn: Record<string, unknown> = {};
          if (step.name !== undefined) fn.name = step.name;
          if (step.args !== undefined) fn.arguments = step.args;
          const tc: Record<string, unknown> = { index: step.index, function: fn };
          if (step.id !== undefined) Object.assign(tc, { id: step.id, type: 'function' });
          delta({ tool_calls: [tc] });
          break;
        }
        case 'finish':
          send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: step.reason }] });
          break;
        case 'usage':
          send({ ...base, choices: [], usage: usageJson(step.usage) });
          break;
        case 'streamError':
          send({ error: { message: step.message, type: step.errorType ?? 'server_error', code: step.code ?? null, param: null } });
          break;
        default:
          if ((await common(ctx, step)) === 'stop') return;
      }
    }
    res.end('data: [DONE]\n\n');
  }

  function sendChatJson(ctx: Ctx, steps: readonly ChatStep[], model?: string): void {
    let content = '';
    let finish: string | null = null;
    let usage: UsageSpec | undefined;
    const calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
    for (const step of steps) {
      if (step.type === 'text') content += step.text;
      else if (step.type === 'finish') finish = step.reason;
      else if (step.type === 'usage') usage = step.usage;
      else if (step.type === 'tool') {
        calls[step.index] ??= { id: step.id ?? '', type: 'function', function: { name: step.name ?? '', arguments: '' } };
        calls[step.index]!.function.arguments += step.args ?? '';
      }
    }
    const message: Record<string, unknown> = { role: 'assistant', content: calls.length && !content ? null : content };
    if (calls.length) message.tool_calls = calls;
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': `req_fake_${ctx.record.index + 1}` });
    ctx.res.end(
      JSON.stringify({
        id: `chatcmpl-fake-${ctx.record.index + 1}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: model ?? ctx.model,
        choices: [{ index: 0, message, finish_reason: finish ?? 'stop' }],
        ...(usage ? { usage: usageJson(usage) } : {}),
      }),
    );
  }

  async function streamResponses(ctx: Ctx, steps: readonly ResponsesStep[], model?: string): Promise<void> {
    const { res, record } = ctx;
    sseHeaders(res, record);
    let seq = 0;
    const respId = `resp_fake_${record.index + 1}`;
    const send = (type: string, payload: Record<string, unknown>) =>
      write(ctx, `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...payload })}\n\n`);
    const output: Record<string, unknown>[] = [];
    let text = '';
    let msgIndex = -1;
    let usage: UsageSpec | undefined;
    const shell = (status: string, extra: Record<string, unknown> = {}) => ({
      id: respId,
      object: 'response',
      created_at: 1_700_000_000,
      model: model ?? ctx.model,
      status,
      output,
      usage: usage
        ? {
            input_tokens: usage.prompt,
            output_tokens: usage.completion,
            total_tokens: usage.total ?? usage.prompt + usage.completion,
            input_tokens_details: { cached_tokens: usage.cached ?? 0 },
            output_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
          }
        : null,
      ...extra,
    });
    send('response.created', { response: shell('in_progress') });
    let terminal = false;
    for (const step of steps) {
      if (record.closedByClient) return;
      switch (step.type) {
        case 'text': {
          if (msgIndex < 0) {
            msgIndex = output.length;
            output.push({ type: 'message', id: `msg_${msgIndex}`, role: 'assistant', status: 'in_progress', content: [] });
            send('response.output_item.added', { output_index: msgIndex, item: output[msgIndex] });
          }
          text += step.text;
          send('response.output_text.delta', { item_id: `msg_${msgIndex}`, output_index: msgIndex, content_index: 0, delta: step.text });
          break;
        }
        case 'reasoning':
          send('response.reasoning_summary_text.delta', { item_id: 'rs_0', output_index: 0, summary_index: 0, delta: step.text });
          break;
        case 'tool': {
          const oi = output.length;
          const itemId = `fc_${oi}`;
          const item = { type: 'function_call', id: itemId, call_id: step.callId, name: step.name, arguments: '', status: 'in_progress' };
          output.push(item);
          send('response.output_item.added', { output_index: oi, item });
          const size = Math.max(1, Math.ceil(step.args.length / (step.fragments ?? 1)));
          for (const piece of splitText(step.args, size)) {
            send('response.function_call_arguments.delta', { item_id: itemId, output_index: oi, delta: piece });
          }
          item.arguments = step.args;
          item.status = 'completed';
          send('response.function_call_arguments.done', { item_id: itemId, output_index: oi, arguments: step.args });
          send('response.output_item.done', { output_index: oi, item });
          break;
        }
        case 'usage':
          usage = step.usage;
          break;
        case 'complete':
          finishMessage();
          if (step.status === 'incomplete') {
            send('response.incomplete', { response: shell('incomplete', { incomplete_details: { reason: step.reason ?? 'max_output_tokens' } }) });
          } else send('response.completed', { response: shell('completed') });
          terminal = true;
          break;
        case 'fail':
          send('response.failed', { response: shell('failed', { error: { code: step.code, message: step.message } }) });
          terminal = true;
          break;
        default:
          if ((await common(ctx, step)) === 'stop') return;
      }
    }
    if (!terminal) {
      finishMessage();
      send('response.completed', { response: shell('completed') });
    }
    res.end();

    function finishMessage(): void {
      if (msgIndex >= 0) {
        Object.assign(output[msgIndex]!, { status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
      }
    }
  }

  function sendError(res: ServerResponse, r: Extract<Reply, { type: 'error' }>, record: RecordedRequest): void {
    const body =
      r.body ??
      JSON.stringify({
        error: { message: r.message ?? `fake error ${r.status}`, type: r.errorType ?? defaultErrorType(r.status), param: null, code: r.code ?? null },
      });
    res.writeHead(r.status, { 'content-type': 'application/json', 'x-request-id': `req_fake_${record.index + 1}`, ...(r.headers ?? {}) });
    res.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    events,
    script(...replies) {
      queue.push(...replies);
    },
    pending: () => queue.length,
    reached(name) {
      if (reachedNames.has(name)) return Promise.resolve();
      return new Promise((resolve) => {
        const on = (n: string) => {
          if (n === name) {
            events.off('emit', on);
            resolve();
          }
        };
        events.on('emit', on);
      });
    },
    nthRequest(n) {
      if (requests.length >= n) return Promise.resolve(requests[n - 1]!);
      return new Promise((resolve) => {
        const on = () => {
          if (requests.length >= n) {
            events.off('request', on);
            resolve(requests[n - 1]!);
          }
        };
        events.on('request', on);
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function defaultErrorType(status: number): string {
  if (status === 401 || status === 403) return 'authentication_error';
  if (status === 404) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
