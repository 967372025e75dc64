// Failure behaviour against the fake server: classification and messages, retries with backoff and
// Retry-After (only before the first byte), exhausted budgets, timeouts, cancellation, malformed output.
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../schemas/llm-messages.js';
import { reply } from '../support/fake-openai.js';
import { useHarness } from './harness.js';

const h = useHarness();
const TOOLS = [{ name: 'calc', schema: { type: 'object', properties: { expr: { type: 'string' } } } }];

describe('retries', () => {
  it('retries a 429 after the Retry-After delay, then succeeds', async () => {
    h.fake.script(reply.error(429, 'Rate limit reached', { headers: { 'retry-after': '2' } }), reply.text('fine'));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(out.ok && out.response.result).toBe('fine');
    expect(out.ok && out.response.metadata.attempts).toBe(2);
    expect(h.sleeps).toEqual([2000]);
    expect(h.fake.requests).toHaveLength(2);
  });

  it('prefers retry-after-ms over retry-after', async () => {
    h.fake.script(reply.error(429, 'slow', { headers: { 'retry-after-ms': '1500', 'retry-after': '9' } }), reply.text('ok'));
    await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(h.sleeps).toEqual([1500]);
  });

  it('backs off exponentially on 500s and 503s, then succeeds', async () => {
    h.fake.script(reply.error(500, 'boom'), reply.error(503, 'overloaded'), reply.error(502), reply.text('up again'));
    const llm = h.make({ retry: { baseDelayMs: 100, random: () => 0 } });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(out.ok && out.response.result).toBe('up again');
    expect(h.sleeps).toEqual([100, 200, 400]);
  });

  it('applies jitter inside [d/2, d]', async () => {
    h.fake.script(reply.error(500), reply.error(500), reply.text('ok'));
    const llm = h.make({ retry: { baseDelayMs: 100, random: () => 0.999, jitter: 0.5 } });
    await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(h.sleeps).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with a server error naming the status and the attempts', async () => {
    h.fake.script(reply.error(500, 'db down'), reply.error(500, 'db down'), reply.error(500, 'db down'));
    const events: StreamEvent[] = [];
    const llm = h.make({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano', onEvent: (e) => events.push(e) });
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.error).toMatchObject({ type: 'server', status: 500, attempts: 3, retryable: true });
    expect(out.error.message).toContain(`${h.fake.url} failed with 500: db down`);
    expect(out.error.message).toContain('gave up after 3 attempts');
    expect(h.fake.requests).toHaveLength(3);
    expect(events).toEqual([{ type: 'error', error: out.error }]);
  });

  it('gives up at once when Retry-After exceeds the wait budget', async () => {
    h.fake.script(reply.error(429, 'wait an hour', { headers: { 'retry-after': '3600' } }));
    const llm = h.make({ retry: { budgetMs: 10_000 } });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('rate_limit');
    expect(!out.ok && out.error.message).toMatch(/asked to wait 3600 s, beyond the retry budget of 10 s/);
    expect(h.sleeps).toEqual([]);
    expect(h.fake.requests).toHaveLength(1);
  });

  it('does not retry an exhausted quota', async () => {
    h.fake.script(reply.error(429, 'You exceeded your current quota', { code: 'insufficient_quota' }));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error).toMatchObject({ type: 'rate_limit', retryable: false, code: 'insufficient_quota' });
    expect(!out.ok && out.error.message).toContain('billing');
    expect(h.fake.requests).toHaveLength(1);
  });

  it('does not retry once the stream has started: a mid-stream disconnect is a network error', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'partial ' }, { type: 'text', text: 'answer' }, { type: 'disconnect' }] }, reply.text('never sent'));
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', onEvent: (e) => events.push(e) });
    expect(!out.ok && out.error.type).toBe('network');
    expect(!out.ok && out.error.message).toMatch(/broke after 2 chunks/);
    expect(h.fake.requests).toHaveLength(1);
    expect(h.fake.pending()).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['chunk', 'chunk', 'error']);
  });

  it('retries a connection refused before the first byte, then reports a network error', async () => {
    const deadUrl = h.fake.url;
    await h.fake.close();
    const { createLlm } = await import('../../src/llm/llm.js');
    const { ALL_MODELS } = await import('../fixtures/llm/models.js');
    const sleeps: number[] = [];
    const llm = createLlm({
      models: ALL_MODELS,
      provider: { apiKey: 'k', baseURL: deadUrl },
      retry: { maxAttempts: 2, sleep: async (ms) => void sleeps.push(ms) },
    });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('network');
    expect(!out.ok && out.error.message).toContain(`Cannot reach ${deadUrl}`);
    expect(!out.ok && out.error.message).toContain('OPENAI_BASE_URL');
    expect(sleeps).toHaveLength(1);
    h.fake = await (await import('../support/fake-openai.js')).startFakeOpenAI(); // for afterEach
  });
});

describe('error classification', () => {
  it('names the key, the server and the status on a 401, without retrying', async () => {
    h.fake.script(reply.error(401, 'Incorrect API key provided'));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('authentication');
    expect(!out.ok && out.error.message).toContain(`OPENAI_API_KEY rejected by ${h.fake.url} (401): Incorrect API key provided`);
    expect(h.fake.requests).toHaveLength(1);
  });

  it('reports a missing key without calling the server', async () => {
    const llm = h.make({ apiKey: '' });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('authentication');
    expect(!out.ok && out.error.message).toMatch(/set OPENAI_API_KEY/);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('classifies 404 as model_not_found naming the provider model', async () => {
    h.fake.script(reply.error(404, 'The model `gpt-4.1-nano` does not exist', { code: 'model_not_found' }));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error).toMatchObject({ type: 'model_not_found', status: 404, retryable: false });
    expect(!out.ok && out.error.message).toContain('Model "gpt-4.1-nano" not found');
    expect(!out.ok && out.error.message).toContain('micro-agi --model NAME');
  });

  it('says that a model without tool calling (Ollama\'s 400) cannot serve the agent, and how to pick another', async () => {
    h.fake.script(reply.error(400, 'registry.ollama.ai/library/gemma:2b does not support tools'));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error).toMatchObject({ type: 'invalid_request', status: 400, retryable: false });
    expect(!out.ok && out.error.message).toContain('Model "gpt-4.1-nano" at');
    expect(!out.ok && out.error.message).toContain('cannot call tools (400): registry.ollama.ai/library/gemma:2b does not support tools.');
    expect(!out.ok && out.error.message).toContain('pick one with --model');
    expect(h.fake.requests).toHaveLength(1);
  });

  it('classifies a context overflow (400) as context_length and suggests compression', async () => {
    h.fake.script(reply.error(400, "This model's maximum context length is 128000 tokens.", { code: 'context_length_exceeded' }));
    const out = await h.llm.generate('hi', { model: 'gpt-5.1' });
    expect(!out.ok && out.error.type).toBe('context_length');
    expect(!out.ok && out.error.message).toMatch(/Compress the conversation/);
    // llama.cpp's server words it differently and sends no code
    h.fake.script(reply.error(400, 'the request exceeds the available context size, try increasing it'));
    const local = await h.llm.generate('hi', { model: 'gpt-5.1' });
    expect(!local.ok && local.error.type).toBe('context_length');
  });

  it('drops stream_options for good when the server refuses it, and streams without usage', async () => {
    h.fake.script(reply.error(400, 'Unrecognized request argument supplied: stream_options'), reply.text('fine'), reply.text('again'));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(out.ok && out.response.result).toBe('fine');
    expect(h.fake.requests.map((r) => r.body.stream_options)).toEqual([{ include_usage: true }, undefined]);
    expect(h.sleeps).toEqual([]);
    const next = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(next.ok && next.response.result).toBe('again');
    expect(h.fake.requests[2]!.body.stream_options).toBeUndefined();
  });

  it('classifies other 400s as invalid_request with the server message', async () => {
    h.fake.script(reply.error(400, "Unsupported parameter: 'temperature'", { code: 'unsupported_parameter' }));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error).toMatchObject({ type: 'invalid_request', code: 'unsupported_parameter', retryable: false });
    expect(!out.ok && out.error.message).toContain("Unsupported parameter: 'temperature'");
  });

  it('reports an unknown model name before any request', async () => {
    const out = await h.llm.generate('hi', { model: 'gpt-9' });
    expect(!out.ok && out.error.type).toBe('model_not_found');
    expect(!out.ok && out.error.message).toMatch(/Model or class not found: "gpt-9". Known models: .*gpt-4.1-nano/);
    expect(h.fake.requests).toHaveLength(0);
  });

  it('times out a slow first byte, retrying, then succeeds', async () => {
    // The timeout is generous so the prompt second reply always beats it, even on a loaded machine.
    h.fake.script({ ...reply.text('late'), headerDelayMs: 20_000 }, reply.text('prompt'));
    const llm = h.make({ timeoutMs: 2_000 });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(out.ok && out.response.result).toBe('prompt');
    expect(h.sleeps).toHaveLength(1);
  });

  it('reports a timeout when the server never answers in time', async () => {
    h.fake.script({ ...reply.text('late'), headerDelayMs: 5_000 });
    const llm = h.make({ timeoutMs: 200, retry: { maxAttempts: 1 } });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('timeout');
    expect(!out.ok && out.error.message).toMatch(/Timed out after 200 ms: no response from .* Raise timeoutMs/);
  });

  it('reports a stalled stream as a timeout without retrying', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'a' }, { type: 'hang' }] });
    const llm = h.make({ timeoutMs: 200 });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('timeout');
    expect(!out.ok && out.error.message).toMatch(/the stream stalled/);
    expect(h.fake.requests).toHaveLength(1);
  });
});

describe('malformed output', () => {
  it('turns an invalid JSON chunk into a malformed_response error', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'ok so far' }, { type: 'raw', data: 'data: {"choices": [oops\n\n' }, { type: 'text', text: 'more' }] });
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('malformed_response');
    expect(!out.ok && out.error.message).toMatch(/not valid JSON/);
  });

  it('turns a malformed first chunk into an error, not a crash, and does not retry it', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'raw', data: 'data: not json at all\n\n' }] });
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error).toMatchObject({ type: 'malformed_response', retryable: false });
    expect(h.fake.requests).toHaveLength(1);
  });

  it('names the chunk and the field of a JSON chunk of the wrong shape, as malformed_response (not a network error to retry)', async () => {
    // Seen from not-quite-compatible servers: before the shape check this was a TypeError reported as a broken connection.
    const chunk = (delta: unknown): string => `data: ${JSON.stringify({ id: 'x', choices: [{ index: 0, delta }] })}\n\n`;
    const cases: [string, RegExp][] = [
      [chunk({ content: 'ok' }) + 'data: {"id":"x","choices":{}}\n\n', /chunk 2: choices is an object, not a list/],
      [chunk({ tool_calls: { index: 0 } }), /chunk 1: choices\[0\]\.delta\.tool_calls is an object, not a list/],
      [chunk({ tool_calls: [{ index: 0, id: 7 }] }), /chunk 1: choices\[0\]\.delta\.tool_calls\[0\]\.id is number 7, not a string/],
      ['data: null\n\n', /chunk 1: the chunk is null, not an object/],
    ];
    for (const [data, message] of cases) {
      h.fake.script({ type: 'chat', steps: [{ type: 'raw', data }] });
      const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
      expect(!out.ok && out.error).toMatchObject({ type: 'malformed_response', retryable: false });
      expect(!out.ok && out.error.message).toMatch(message);
    }
  });

  it('accepts tool-call arguments sent as an object (some servers) by encoding them', async () => {
    const data = `data: ${JSON.stringify({ id: 'x', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'calc', arguments: { expr: '1+1' } } }] }, finish_reason: 'tool_calls' }] })}\n\n`;
    h.fake.script({ type: 'chat', steps: [{ type: 'raw', data }] });
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(out.ok && out.response.tool_calls[0]).toMatchObject({ id: 'c1', name: 'calc', arguments: { expr: '1+1' } });
  });

  it('reports an error object inside the stream', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'x' }, { type: 'streamError', message: 'upstream provider crashed' }] });
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('server');
    expect(!out.ok && out.error.message).toContain('upstream provider crashed');
  });

  it('reports a stream with no choice at all as an empty response', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'usage', usage: { prompt: 5, completion: 0 } }] });
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(!out.ok && out.error.type).toBe('malformed_response');
    expect(!out.ok && out.error.message).toMatch(/Empty response/);
  });

  it('marks tool arguments that are not JSON with an error for the model, keeping the raw text', async () => {
    h.fake.script(reply.toolCalls([{ id: 'c1', name: 'calc', args: '{"expr": "1+' }, { id: 'c2', name: 'calc', args: '[1,2]' }]));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const [c1, c2] = out.response.tool_calls;
    expect(c1).toMatchObject({ id: 'c1', arguments: {}, raw_arguments: '{"expr": "1+', error: { type: 'invalid_arguments' } });
    expect(c1!.error!.message).toMatch(/Arguments for tool "calc" are not valid JSON .*Call the tool again/);
    expect(c2!.error).toMatchObject({ type: 'invalid_arguments' });
    expect(c2!.error!.message).toMatch(/must be a JSON object, got an array/);
  });

  it('reads arguments a model encoded twice or fenced as markdown as the object they hold', async () => {
    h.fake.script(
      reply.toolCalls([
        { id: 'c1', name: 'calc', args: JSON.stringify(JSON.stringify({ expr: '1+2' })) },
        { id: 'c2', name: 'calc', args: '```json\n{"expr": "3*4"}\n```' },
        { id: 'c3', name: 'calc', args: '"just text"' },
      ]),
    );
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const [c1, c2, c3] = out.response.tool_calls;
    expect(c1).toMatchObject({ arguments: { expr: '1+2' }, raw_arguments: JSON.stringify(JSON.stringify({ expr: '1+2' })) });
    expect(c1!.error).toBeUndefined();
    expect(c2).toMatchObject({ arguments: { expr: '3*4' } });
    expect(c2!.error).toBeUndefined();
    // a string that does not hold an object is still refused
    expect(c3!.error!.message).toMatch(/must be a JSON object, got string/);
  });

  it('marks a call to a tool that was not offered', async () => {
    h.fake.script(reply.toolCalls([{ id: 'c1', name: 'rm_rf', args: {} }, { id: 'c2', name: 'calc', args: { expr: '2' } }]));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(out.ok && out.response.tool_calls.map((c) => c.error?.type)).toEqual(['unknown_tool', undefined]);
    expect(out.ok && out.response.tool_calls[0]!.error!.message).toBe('Tool "rm_rf" does not exist. Available tools: calc. Call one of these by its exact name.');
  });

  it('keeps finish_reason length when tool calls were cut off', async () => {
    h.fake.script(reply.toolCalls([{ id: 'c1', name: 'calc', args: '{"expr": "1' }], { finish: 'length' }));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(out.ok && out.response.finish_reason).toBe('length');
  });
});

describe('cancellation', () => {
  it('stops the stream at once mid-stream and returns a cancelled error', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'first ' }, { type: 'hang' }] });
    const ctl = new AbortController();
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('hi', {
      model: 'gpt-4.1-nano',
      signal: ctl.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'chunk') ctl.abort();
      },
    });
    expect(!out.ok && out.error).toMatchObject({ type: 'cancelled', retryable: false });
    await h.fake.requests[0]!.done;
    expect(h.fake.requests[0]!.closedByClient).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['chunk', 'error']);
    expect(h.llm.usage().steps).toBe(0);
  });

  it('stops at once even when later chunks are already buffered (no event after the abort)', async () => {
    h.fake.script(reply.text('abcdefghijklmnop', { chunkSize: 2 }));
    const ctl = new AbortController();
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('hi', {
      model: 'gpt-4.1-nano',
      signal: ctl.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'chunk') ctl.abort();
      },
    });
    expect(!out.ok && out.error.type).toBe('cancelled');
    expect(events).toEqual([{ type: 'chunk', content: 'ab' }, { type: 'error', error: !out.ok ? out.error : undefined }]);
  });

  it('cancels while waiting for the response headers', async () => {
    h.fake.script({ ...reply.text('late'), headerDelayMs: 10_000 });
    const ctl = new AbortController();
    h.fake.events.once('request', () => ctl.abort());
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', signal: ctl.signal });
    expect(!out.ok && out.error.type).toBe('cancelled');
  });

  it('cancels during a retry backoff without another request', async () => {
    h.fake.script(reply.error(503), reply.text('never'));
    const ctl = new AbortController();
    const llm = h.make({ retry: { sleep: async () => ctl.abort() } });
    const out = await llm.generate('hi', { model: 'gpt-4.1-nano', signal: ctl.signal });
    expect(!out.ok && out.error.type).toBe('cancelled');
    expect(h.fake.requests).toHaveLength(1);
  });

  it('returns cancelled without a request when the signal is already aborted', async () => {
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', signal: AbortSignal.abort() });
    expect(!out.ok && out.error.type).toBe('cancelled');
    expect(h.fake.requests).toHaveLength(0);
  });
});
