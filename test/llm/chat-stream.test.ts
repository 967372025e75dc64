// Chat Completions streaming against the fake server: text chunks, usage with cached tokens,
// tool calls assembled from fragments (parallel, reused index), thinking, and what the request carries.
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../schemas/llm-messages.js';
import { Conversation } from '../../src/llm/conversation.js';
import { createLlm } from '../../src/llm/llm.js';
import type { Entry } from '../../schemas/entry.js';
import { reply, startFakeOpenAI } from '../support/fake-openai.js';
import { gpt41nano } from '../fixtures/llm/models.js';
import { useHarness } from './harness.js';

const h = useHarness();
const TOOLS = [
  { name: 'calc', description: 'Evaluate an expression', schema: { type: 'object', properties: { expr: { type: 'string' } } } },
  { name: 'clock', description: 'Current time' },
];

describe('chat completions streaming', () => {
  it('streams text chunks in order and returns the same text as result', async () => {
    h.fake.script(reply.text('Hello, streaming world.', { chunkSize: 5, usage: { prompt: 20, completion: 6 } }));
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano', onEvent: (e) => events.push(e) });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const chunks = events.filter((e) => e.type === 'chunk').map((e) => (e as { content: string }).content);
    expect(chunks).toEqual(['Hello', ', str', 'eamin', 'g wor', 'ld.']);
    expect(out.response.result).toBe('Hello, streaming world.');
    expect(out.response.finish_reason).toBe('stop');
    expect(out.response.tool_calls).toEqual([]);
    expect(out.response.model).toBe('gpt-4.1-nano');
    expect(out.response.provider_model).toBe('gpt-4.1-nano');
    expect(out.response.metadata.request_id).toBe('req_fake_1');
  });

  it('counts the full prompt including cached tokens, and reasoning inside completion', async () => {
    h.fake.script(reply.text('ok', { usage: { prompt: 1000, completion: 300, cached: 800, reasoning: 250, total: 1300 } }));
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(out.ok && out.response.tokens).toEqual({ prompt: 1000, completion: 300, cached: 800, reasoning: 250, total: 1300 });
  });

  it('returns no tokens when the server sent no usage', async () => {
    h.fake.script({ type: 'chat', steps: [{ type: 'text', text: 'x' }, { type: 'finish', reason: 'stop' }] });
    const out = await h.llm.generate('hi', { model: 'gpt-4.1-nano' });
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.response.tokens).toBeUndefined();
      expect(out.response.cost).toBeUndefined();
    }
  });

  it('assembles parallel tool calls from argument fragments by index', async () => {
    h.fake.script(
      reply.toolCalls(
        [
          { id: 'call_a', name: 'calc', args: { expr: '6*7', note: 'first call' } },
          { id: 'call_b', name: 'clock', args: {} },
          { id: 'call_c', name: 'calc', args: { expr: '1+1' } },
        ],
        { fragmentSize: 3, text: 'Let me check.', usage: { prompt: 50, completion: 40 } },
      ),
    );
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('compute', { model: 'gpt-4.1-nano', tools: TOOLS, onEvent: (e) => events.push(e) });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.response.finish_reason).toBe('tool_call');
    expect(out.response.result).toBe('Let me check.');
    expect(out.response.tool_calls.map(({ id, name, arguments: a }) => ({ id, name, a }))).toEqual([
      { id: 'call_a', name: 'calc', a: { expr: '6*7', note: 'first call' } },
      { id: 'call_b', name: 'clock', a: {} },
      { id: 'call_c', name: 'calc', a: { expr: '1+1' } },
    ]);
    expect(out.response.tool_calls.every((c) => c.error === undefined)).toBe(true);
    const toolEvents = events.filter((e) => e.type === 'tool_call');
    expect(toolEvents).toEqual([
      { type: 'tool_call', id: 'call_a', name: 'calc', arguments: '{"expr":"6*7","note":"first call"}' },
      { type: 'tool_call', id: 'call_b', name: 'clock', arguments: '{}' },
      { type: 'tool_call', id: 'call_c', name: 'calc', arguments: '{"expr":"1+1"}' },
    ]);
  });

  it('emits a tool call as soon as the next one starts, before the stream ends', async () => {
    // The stream stalls after the second call starts; the first call's event must arrive during the stall.
    h.fake.script({
      type: 'chat',
      steps: [
        { type: 'tool', index: 0, id: 'c1', name: 'clock', args: '{}' },
        { type: 'tool', index: 1, id: 'c2', name: 'calc', args: '{"expr"' },
        { type: 'delay', ms: 10_000 },
        { type: 'tool', index: 1, args: ':"2"}' },
        { type: 'finish', reason: 'tool_calls' },
      ],
    });
    const ctl = new AbortController();
    const seen: string[] = [];
    const out = await h.llm.generate('x', {
      model: 'gpt-4.1-nano',
      tools: TOOLS,
      signal: ctl.signal,
      onEvent: (e) => {
        if (e.type === 'tool_call') {
          seen.push(e.id);
          ctl.abort();
        }
      },
    });
    expect(seen).toEqual(['c1']);
    expect(!out.ok && out.error.type).toBe('cancelled');
  });

  it('separates calls that reuse index 0 with different ids (Ollama style)', async () => {
    h.fake.script({
      type: 'chat',
      steps: [
        { type: 'tool', index: 0, id: 'x1', name: 'calc', args: '{"expr":"1"}' },
        { type: 'tool', index: 0, id: 'x2', name: 'clock', args: '{}' },
        { type: 'finish', reason: 'tool_calls' },
      ],
    });
    const out = await h.llm.generate('x', { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(out.ok && out.response.tool_calls.map((c) => [c.id, c.name, c.arguments])).toEqual([
      ['x1', 'calc', { expr: '1' }],
      ['x2', 'clock', {}],
    ]);
  });

  it('streams reasoning_content deltas as thinking events', async () => {
    h.fake.script({
      type: 'chat',
      steps: [
        { type: 'reasoning', text: 'Think ' },
        { type: 'reasoning', text: 'hard.' },
        { type: 'text', text: '42' },
        { type: 'finish', reason: 'stop' },
      ],
    });
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('q', { model: 'gpt-4.1-nano', onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'thinking')).toEqual([
      { type: 'thinking', content: 'Think ' },
      { type: 'thinking', content: 'hard.' },
    ]);
    expect(out.ok && out.response.metadata.thinking).toBe('Think hard.');
    expect(out.ok && out.response.result).toBe('42');
  });

  it('sends a streaming request with usage, tools and the reasoning settings of the model entry', async () => {
    h.fake.script(reply.text('ok'));
    const conv = new Conversation().addSystem('Be terse.').addDeveloper('Use tools.').addUser('What time is it?');
    await h.llm.generate(conv, { model: 'gpt-5.1', tools: TOOLS, toolChoice: 'any', maxTokens: 2048, temperature: 0.7 });
    const req = h.fake.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe('Bearer sk-test');
    expect(req.body).toMatchObject({
      model: 'gpt-5.1',
      stream: true,
      stream_options: { include_usage: true },
      reasoning_effort: 'low',
      max_completion_tokens: 2048,
      tool_choice: 'required',
    });
    // A reasoning model takes no temperature and no max_tokens.
    expect(req.body.temperature).toBeUndefined();
    expect(req.body.max_tokens).toBeUndefined();
    expect(req.body.messages).toEqual([
      { role: 'system', content: 'Be terse.' },
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'What time is it?' },
    ]);
    expect(req.body.tools).toEqual([
      { type: 'function', function: { name: 'calc', description: 'Evaluate an expression', parameters: TOOLS[0]!.schema } },
      { type: 'function', function: { name: 'clock', description: 'Current time', parameters: { type: 'object', properties: {} } } },
    ]);
  });

  it('sends temperature and max_tokens to a non-reasoning model', async () => {
    h.fake.script(reply.text('ok'));
    await h.llm.generate('hi', { model: 'fast', temperature: 0.2, maxTokens: 100, toolChoice: 'calc', tools: TOOLS });
    const body = h.fake.requests[0]!.body;
    expect(body).toMatchObject({ model: 'gpt-4.1-nano', temperature: 0.2, max_tokens: 100, tool_choice: { type: 'function', function: { name: 'calc' } } });
    expect(body.reasoning_effort).toBeUndefined();
  });

  it('resends a tool turn as one assistant message with all calls, then the results', async () => {
    h.fake.script(reply.text('done'));
    const conv = new Conversation()
      .addUser('compute')
      .addAssistant('Checking.')
      .addFunctionCall('calc', { expr: '1+1' }, 'call_1')
      .addFunctionResult('calc', { value: 2 }, 'call_1')
      .addFunctionCall('clock', '{}', 'call_2')
      .addFunctionResult('clock', { error: { type: 'failed', message: 'no clock' } }, 'call_2');
    await h.llm.generate(conv, { model: 'gpt-4.1-nano', tools: TOOLS });
    expect(h.fake.requests[0]!.body.messages).toEqual([
      { role: 'user', content: 'compute' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'calc', arguments: '{"expr":"1+1"}' } },
          { id: 'call_2', type: 'function', function: { name: 'clock', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"value":2}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"error":{"type":"failed","message":"no clock"}}' },
    ]);
  });

  it('routes a model to the provider configured for its provider id', async () => {
    const local = await startFakeOpenAI();
    try {
      const localModel: Entry = {
        id: 'test:llama',
        kind: 'registry.entry',
        meta: { name: 'llama', type: 'llm.model' },
        data: { providers: [{ id: 'app:local', provider_model: 'llama3.2:1b' }] },
      };
      const llm = createLlm({
        models: [gpt41nano, localModel],
        provider: { apiKey: 'sk-cloud', baseURL: h.fake.url },
        providers: { 'app:local': { apiKey: 'ollama', baseURL: local.url } },
      });
      h.fake.script(reply.text('cloud'));
      local.script(reply.text('local'));
      const a = await llm.generate('q', { model: 'llama' });
      const b = await llm.generate('q', { model: 'gpt-4.1-nano' });
      expect(a.ok && a.response.result).toBe('local');
      expect(b.ok && b.response.result).toBe('cloud');
      expect(local.requests[0]!.body.model).toBe('llama3.2:1b');
      expect(local.requests[0]!.headers.authorization).toBe('Bearer ollama');
    } finally {
      await local.close();
    }
  });

  it('re-reads models on every call when given a function (registry updates are seen)', async () => {
    let entries: Entry[] = [];
    const llm = createLlm({ models: () => entries, provider: { apiKey: 'k', baseURL: h.fake.url } });
    const before = await llm.generate('q', { model: 'gpt-4.1-nano' });
    expect(!before.ok && before.error.type).toBe('model_not_found');
    entries = [gpt41nano];
    h.fake.script(reply.text('now it exists'));
    const after = await llm.generate('q', { model: 'gpt-4.1-nano' });
    expect(after.ok && after.response.result).toBe('now it exists');
  });
});
