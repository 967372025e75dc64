// The fake OpenAI server itself (later agent/CLI tests rely on it): non-streaming answers through the
// real SDK, request recording, sync points, and a clear 500 when a test forgot to script a reply.
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reply, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

let fake: FakeOpenAI;
let sdk: OpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI();
  sdk = new OpenAI({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
});
afterEach(() => fake.close());

describe('fake OpenAI server', () => {
  it('assembles a scripted reply into one chat.completion for non-streaming requests', async () => {
    fake.script(reply.toolCalls([{ id: 'c1', name: 'calc', args: { x: 1 } }], { text: 'hm', usage: { prompt: 3, completion: 4 } }));
    const r = await sdk.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'q' }] });
    expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'hm', tool_calls: [{ id: 'c1', function: { name: 'calc', arguments: '{"x":1}' } }] });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(fake.requests[0]).toMatchObject({ method: 'POST', path: '/v1/chat/completions', body: { model: 'm' } });
  });

  it('answers an unscripted request with a 500 that says so', async () => {
    await expect(sdk.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({
      status: 500,
      message: expect.stringContaining('no scripted reply left for POST /v1/chat/completions (request #1)'),
    });
  });

  it('uses the fallback reply when the script is empty, and replies computed from the request', async () => {
    await fake.close();
    fake = await startFakeOpenAI({ fallback: (req) => reply.text(`echo ${req.body.messages[0].content}`) });
    sdk = new OpenAI({ apiKey: 'k', baseURL: fake.url, maxRetries: 0 });
    const r = await sdk.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'ping' }] });
    expect(r.choices[0]!.message.content).toBe('echo ping');
  });

  it('signals scripted sync points and records a client that went away', async () => {
    fake.script({ type: 'chat', steps: [{ type: 'text', text: 'a' }, { type: 'emit', name: 'sent-a' }, { type: 'hang' }] });
    const ctl = new AbortController();
    const stream = await sdk.chat.completions.create({ model: 'm', messages: [], stream: true }, { signal: ctl.signal });
    const it = stream[Symbol.asyncIterator]();
    await fake.reached('sent-a');
    const first = await it.next();
    expect(first.value?.choices[0]?.delta.content).toBe('a');
    ctl.abort();
    await fake.requests[0]!.done;
    expect(fake.requests[0]!.closedByClient).toBe(true);
  });

  it('rejects a reply scripted for the wrong endpoint', async () => {
    fake.script(reply.responsesText('x'));
    await expect(sdk.chat.completions.create({ model: 'm', messages: [] })).rejects.toMatchObject({ status: 404 });
  });
});
