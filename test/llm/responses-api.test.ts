// The Responses API path (a model entry with provider option `api: responses`): request mapping,
// streamed text, reasoning summaries, function calls by item id, usage and terminal statuses.
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../schemas/llm-messages.js';
import { Conversation } from '../../src/llm/conversation.js';
import { classifyError } from '../../src/llm/error-classifier.js';
import { ResponsesStreamAccumulator } from '../../src/llm/responses-accumulator.js';
import { reply } from '../support/fake-openai.js';
import { useHarness } from './harness.js';

const h = useHarness();
const TOOLS = [{ name: 'lookup', description: 'Find a page', schema: { type: 'object', properties: { q: { type: 'string' } } } }];

describe('responses api', () => {
  it('maps the conversation to instructions + input items and reasoning effort', async () => {
    h.fake.script(reply.responsesText('ok'));
    const conv = new Conversation()
      .addSystem('Be brief.')
      .addDeveloper('Prefer tools.')
      .addUser('find x')
      .addFunctionCall('lookup', { q: 'x' }, 'call_9')
      .addFunctionResult('lookup', { page: 'x.md' }, 'call_9')
      .addAssistant('Found it.');
    await h.llm.generate(conv, { model: 'reasoner', tools: TOOLS, toolChoice: 'any', maxTokens: 999, temperature: 1 });
    const req = h.fake.requests[0]!;
    expect(req.path).toBe('/v1/responses');
    expect(req.body).toMatchObject({
      model: 'o-test',
      stream: true,
      instructions: 'Be brief.\n\nPrefer tools.',
      reasoning: { effort: 'medium', summary: 'auto' },
      max_output_tokens: 999,
      tool_choice: 'required',
      tools: [{ type: 'function', name: 'lookup', description: 'Find a page', parameters: TOOLS[0]!.schema, strict: false }],
    });
    expect(req.body.temperature).toBeUndefined();
    expect(req.body.input).toEqual([
      { type: 'message', role: 'user', content: 'find x' },
      { type: 'function_call', call_id: 'call_9', name: 'lookup', arguments: '{"q":"x"}' },
      { type: 'function_call_output', call_id: 'call_9', output: '{"page":"x.md"}' },
      { type: 'message', role: 'assistant', content: 'Found it.' },
    ]);
  });

  it('streams text and reasoning summaries and reports usage with cached tokens', async () => {
    h.fake.script(reply.responsesText('The answer is 42.', { reasoning: 'Considering...', usage: { prompt: 500, completion: 120, cached: 400, reasoning: 100 } }));
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('q', { model: 'reasoner', onEvent: (e) => events.push(e) });
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(events[0]).toEqual({ type: 'thinking', content: 'Considering...' });
    expect(events.filter((e) => e.type === 'chunk').map((e) => (e as { content: string }).content).join('')).toBe('The answer is 42.');
    expect(out.response).toMatchObject({
      result: 'The answer is 42.',
      finish_reason: 'stop',
      tokens: { prompt: 500, completion: 120, cached: 400, reasoning: 100, total: 620 },
      metadata: { response_id: 'resp_fake_1', thinking: 'Considering...' },
    });
    // (500-400)*1.25 + 400*1.25 + 120*10 per 1M
    expect(out.response.cost).toBeCloseTo((500 * 1.25 + 120 * 10) / 1e6, 12);
  });

  it('assembles parallel function calls keyed by item id and returns call_id as the id', async () => {
    h.fake.script(reply.responsesToolCalls([{ id: 'call_A', name: 'lookup', args: { q: 'alpha' } }, { id: 'call_B', name: 'lookup', args: { q: 'beta' } }], { fragments: 4 }));
    const events: StreamEvent[] = [];
    const out = await h.llm.generate('q', { model: 'reasoner', tools: TOOLS, onEvent: (e) => events.push(e) });
    expect(out.ok && out.response.finish_reason).toBe('tool_call');
    expect(out.ok && out.response.tool_calls.map((c) => [c.id, c.name, c.arguments])).toEqual([
      ['call_A', 'lookup', { q: 'alpha' }],
      ['call_B', 'lookup', { q: 'beta' }],
    ]);
    expect(events.filter((e) => e.type === 'tool_call').map((e) => (e as { id: string }).id)).toEqual(['call_A', 'call_B']);
  });

  it('maps an incomplete response to finish_reason length', async () => {
    h.fake.script({ type: 'responses', steps: [{ type: 'text', text: 'cut' }, { type: 'complete', status: 'incomplete', reason: 'max_output_tokens' }] });
    const out = await h.llm.generate('q', { model: 'reasoner' });
    expect(out.ok && out.response.finish_reason).toBe('length');
  });

  it('returns a failed response as an error with the server code', async () => {
    h.fake.script({ type: 'responses', steps: [{ type: 'fail', code: 'server_error', message: 'The model crashed' }] });
    const out = await h.llm.generate('q', { model: 'reasoner' });
    expect(!out.ok && out.error).toMatchObject({ type: 'server', code: 'server_error' });
    expect(!out.ok && out.error.message).toContain('The model crashed');
  });

  it('reports an event that is not an object with a type as malformed_response, naming the event', () => {
    const acc = new ResponsesStreamAccumulator(() => {});
    acc.push({ type: 'response.created', response: { id: 'r1' } } as never);
    let thrown: unknown;
    try {
      acc.push(null as never);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'MALFORMED_CHUNK', message: 'event 2 is null, not an object' });
    const ctx = { baseURL: 'http://x/v1', model: 'm', apiKeySource: 'OPENAI_API_KEY', timeoutMs: 1000, chunksReceived: 1 };
    expect(classifyError(thrown, ctx).error).toMatchObject({ type: 'malformed_response', retryable: false, message: expect.stringContaining('event 2 is null') });
    expect(() => new ResponsesStreamAccumulator(() => {}).push({ delta: 'x' } as never)).toThrow('event 1: type is missing, not a string');
  });

  it('retries an HTTP 429 on the Responses path too', async () => {
    h.fake.script(reply.error(429, 'slow down', { headers: { 'retry-after': '1' } }), reply.responsesText('ok'));
    const out = await h.llm.generate('q', { model: 'reasoner' });
    expect(out.ok && out.response.result).toBe('ok');
    expect(h.sleeps).toEqual([1000]);
  });

  it('can be chosen per call on a chat model', async () => {
    h.fake.script(reply.responsesText('via responses'));
    const out = await h.llm.generate('q', { model: 'gpt-4.1-nano', api: 'responses' });
    expect(out.ok && out.response.result).toBe('via responses');
    expect(h.fake.requests[0]!.path).toBe('/v1/responses');
  });
});
