// A prompt answered in plain text: chunks stream to the terminal in order, then answer, usage and
// turn_end answered; the request carries the agent prompt, the user's text and the offered tools.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.js';
import { createAgentHarness, type AgentHarness } from './agent-harness.js';

let h: AgentHarness;
beforeEach(async () => {
  h = await createAgentHarness();
});
afterEach(async () => {
  await h.close();
});

describe('agent text answers', () => {
  it('streams a text-only answer as chunks in order, then answer, usage and turn_end answered', async () => {
    const ready = await h.start();
    expect(ready.agent).toBe('app:dev_assistant');
    expect(ready.model).toBe('gpt-5.1');
    expect(ready.tools).toEqual(['create_tool', 'doc_search', 'load_tool', 'registry_list', 'registry_read']);

    h.fake.script(reply.text('Hello from the fake model.', { chunkSize: 5, usage: { prompt: 120, completion: 7 } }));
    const { turn, end, events } = await h.prompt('Say hello');
    expect(end).toEqual({ type: 'turn_end', turn, status: 'answered', steps: 1 });
    const chunks = events.filter((e) => e.type === 'chunk').map((e) => (e as { content: string }).content);
    expect(chunks).toEqual(['Hello', ' from', ' the ', 'fake ', 'model', '.']);
    const types = events.map((e) => e.type);
    expect(types.slice(-3)).toEqual(['answer', 'usage', 'turn_end']);
    expect(events.find((e) => e.type === 'answer')).toMatchObject({ text: 'Hello from the fake model.' });
    const usage = events.find((e) => e.type === 'usage') as Extract<typeof events[number], { type: 'usage' }>;
    expect(usage.tokens).toMatchObject({ prompt: 120, completion: 7 });
    // gpt-5.1 pricing: $2.5 / $10 per 1M tokens
    expect(usage.cost).toBeCloseTo((120 * 2.5 + 7 * 10) / 1e6, 12);

    const body = h.fake.requests[0]!.body;
    expect(body.model).toBe('gpt-5.1');
    expect(body.stream).toBe(true);
    expect(body.messages[0].role).toBe('system');
    expect(body.messages[0].content).toContain('You are a terse developer assistant');
    expect(body.messages.at(-1)).toEqual({ role: 'user', content: 'Say hello' });
    expect(body.tools.map((t: any) => t.function.name)).toEqual(['create_tool', 'doc_search', 'load_tool', 'registry_list', 'registry_read']);
    // the agent's max_tokens, sent as max_completion_tokens for a reasoning model
    expect(body.max_completion_tokens).toBe(2048);
  });

  it('marks an answer the model cut off at its output token limit as truncated', async () => {
    await h.start();
    h.fake.script(reply.text('A long answer that stops mid', { finish: 'length' }), reply.text('Complete.'));
    const cut = await h.prompt('explain everything');
    expect(cut.end.status).toBe('answered');
    expect(cut.events.find((e) => e.type === 'answer')).toEqual({ type: 'answer', turn: cut.turn, text: 'A long answer that stops mid', truncated: true });
    const whole = await h.prompt('briefly');
    expect(whole.events.find((e) => e.type === 'answer')).toEqual({ type: 'answer', turn: whole.turn, text: 'Complete.' });
  });

  it('forwards streamed reasoning as thinking events before the answer chunks', async () => {
    await h.start();
    h.fake.script({
      type: 'chat',
      steps: [
        { type: 'reasoning', text: 'Let me think. ' },
        { type: 'reasoning', text: 'Done thinking.' },
        { type: 'text', text: 'Answer.' },
        { type: 'finish', reason: 'stop' },
      ],
    });
    const { events } = await h.prompt('think first');
    const streamed = events.filter((e) => e.type === 'thinking' || e.type === 'chunk').map((e) => `${e.type}:${(e as { content: string }).content}`);
    expect(streamed).toEqual(['thinking:Let me think. ', 'thinking:Done thinking.', 'chunk:Answer.']);
  });

  it('keeps the conversation across turns and forgets it on reset', async () => {
    await h.start();
    h.fake.script(reply.text('First.'), reply.text('Second.'), reply.text('Fresh.'));
    await h.prompt('one');
    await h.prompt('two');
    const second = h.fake.requests[1]!.body.messages.slice(1);
    expect(second).toEqual([
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'First.' },
      { role: 'user', content: 'two' },
    ]);
    h.send({ type: 'reset' });
    await h.prompt('three');
    expect(h.fake.requests[2]!.body.messages.slice(1)).toEqual([{ role: 'user', content: 'three' }]);
  });

  it('answers tools and cost queries without a turn', async () => {
    await h.start();
    h.fake.script(reply.text('ok', { usage: { prompt: 1000, completion: 100 } }));
    await h.prompt('hi');
    h.send({ type: 'query', what: 'cost' });
    const cost = await h.waitFor((e) => e.type === 'info' && e.what === 'cost');
    expect((cost as any).data).toMatchObject({ steps: 1, tokens: { prompt: 1000, completion: 100 } });
    h.send({ type: 'query', what: 'tools' });
    const tools = await h.waitFor((e) => e.type === 'info' && e.what === 'tools');
    expect((tools as any).data.tools.map((t: any) => t.id)).toContain('app.tools:load_tool');
  });

  it('reports a model failure as an error event and turn_end failed, and the next turn works', async () => {
    await h.start();
    h.fake.script(reply.error(401, 'bad key', { code: 'invalid_api_key' }), reply.text('Recovered.'));
    const first = await h.prompt('hi');
    expect(first.end.status).toBe('failed');
    expect(first.events.find((e) => e.type === 'error')).toMatchObject({ error: { type: 'authentication' } });
    const second = await h.prompt('again');
    expect(second.end.status).toBe('answered');
  });

  it('with streamChunks off sends no chunk events, and the answer still carries the whole text', async () => {
    await h.start({ streamChunks: false });
    h.fake.script(reply.text('Hello from the fake model.', { chunkSize: 5, usage: { prompt: 120, completion: 7 } }));
    const { turn, end, events } = await h.prompt('Say hello');
    expect(end).toEqual({ type: 'turn_end', turn, status: 'answered', steps: 1 });
    expect(events.map((e) => e.type)).toEqual(['answer', 'usage', 'turn_end']);
    expect(events[0]).toEqual({ type: 'answer', turn, text: 'Hello from the fake model.' });
  });
});
