// Context compression: a step whose prompt passed 75% of the model's window makes the agent summarise
// the conversation on the compression model and continue from "Conversation summary:"; a failed
// compression keeps the conversation as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { reply } from '../support/fake-openai.js';
import { createAgentHarness, generatedTool, type AgentHarness } from './agent-harness.js';

let h: AgentHarness;
beforeEach(async () => {
  h = await createAgentHarness();
});
afterEach(async () => {
  await h.close();
});

const LONG_PROMPT = `Remember the code word PELICAN-42. ${'This is filler context that must be summarised. '.repeat(120)}`;
// gpt-5.1's window is 128000 tokens: 75% is 96000.
const OVER = { prompt: 100_000, completion: 20, cached: 40_000 };
const SUMMARY = `Code word PELICAN-42. ${'fact '.repeat(796)}`.trim();

describe('agent compression', () => {
  it('compresses on gpt-4.1-nano when the prompt passes 75% of the window and continues from the summary', async () => {
    await h.start();
    h.fake.script(reply.text('Noted.', { usage: OVER }), reply.text(SUMMARY), reply.text('PELICAN-42'));
    const first = await h.prompt(LONG_PROMPT);
    expect(first.end.status).toBe('answered');
    const compressed = first.events.find((e) => e.type === 'compressed') as Extract<AgentEvent, { type: 'compressed' }>;
    expect(compressed).toMatchObject({ prompt_tokens: 100_000, after_chars: SUMMARY.length });
    expect(compressed.before_chars).toBeGreaterThan(LONG_PROMPT.length);
    // compressed before the turn ended
    expect(first.events.map((e) => e.type).slice(-4)).toEqual(['answer', 'compressed', 'usage', 'turn_end']);

    const compression = h.fake.requests[1]!.body;
    expect(compression.model).toBe('gpt-4.1-nano');
    expect(compression.messages[1].content).toContain('PELICAN-42');
    expect(compression.tools).toBeUndefined();

    await h.prompt('What was the code word?');
    const next = h.fake.requests[2]!.body;
    expect(next.model).toBe('gpt-5.1');
    expect(next.messages[0].content).toContain('You are a terse developer assistant');
    expect(next.messages[1]).toEqual({ role: 'system', content: `Conversation summary:\n\n${SUMMARY}` });
    expect(next.messages.slice(2)).toEqual([{ role: 'user', content: 'What was the code word?' }]);
    expect(JSON.stringify(next.messages)).not.toContain('filler context');
  });

  it('keeps the conversation when compression fails and reports compression_failed', async () => {
    await h.start();
    h.fake.script(reply.text('Noted.', { usage: OVER }), reply.error(400, 'compression model refused'), reply.text('Still here.'));
    const first = await h.prompt(LONG_PROMPT);
    expect(first.end.status).toBe('answered');
    expect(first.events.some((e) => e.type === 'compressed')).toBe(false);
    const err = first.events.find((e) => e.type === 'error') as Extract<AgentEvent, { type: 'error' }>;
    expect(err.error.type).toBe('compression_failed');
    expect(err.error.message).toContain('compression model refused');

    const second = await h.prompt('and now?');
    expect(second.end.status).toBe('answered');
    const msgs = h.fake.requests[2]!.body.messages.slice(1);
    expect(msgs).toEqual([
      { role: 'user', content: LONG_PROMPT },
      { role: 'assistant', content: 'Noted.' },
      { role: 'user', content: 'and now?' },
    ]);
  });

  it('compresses mid-turn after a tool step and keeps the loaded tools offered for the rest of the turn', async () => {
    await h.put(generatedTool('echo', 'return { handler = function(i) return i end }'));
    await h.start();
    h.fake.script(
      reply.toolCalls([{ id: 'l', name: 'load_tool', args: { id: 'app.generated:echo' } }], { usage: OVER }),
      reply.text(SUMMARY),
      reply.text('Continuing from the summary.'),
    );
    const { end, events } = await h.prompt(LONG_PROMPT);
    expect(end).toMatchObject({ status: 'answered', steps: 2 });
    const order = events.filter((e) => e.type !== 'chunk').map((e) => e.type);
    expect(order).toEqual(['tool_call', 'tool_result', 'tool_loaded', 'compressed', 'answer', 'usage', 'turn_end']);
    const step2 = h.fake.requests[2]!.body;
    expect(step2.messages.slice(1)).toEqual([{ role: 'system', content: `Conversation summary:\n\n${SUMMARY}` }]);
    expect(step2.tools.map((t: any) => t.function.name)).toContain('echo');
  });

  it('does not compress below the threshold', async () => {
    await h.start();
    h.fake.script(reply.text('Noted.', { usage: { prompt: 96_000, completion: 5 } }), reply.text('ok'));
    const first = await h.prompt(LONG_PROMPT);
    expect(first.events.some((e) => e.type === 'compressed' || e.type === 'error')).toBe(false);
    await h.prompt('next');
    expect(h.fake.requests.map((r) => r.body.model)).toEqual(['gpt-5.1', 'gpt-5.1']);
  });

  it('estimates the prompt from its characters when the server reports no usage', async () => {
    // 1% of gpt-5.1's 128000-token window is 1280 tokens: the long prompt, system prompt and tool schemas are
    // past it at ~4 characters per token; a short exchange is not.
    await h.start({ compressAt: 0.01 });
    h.fake.script(reply.text('ok'), reply.text('Noted.'), reply.text(SUMMARY));
    const short = await h.prompt('hi');
    expect(short.events.some((e) => e.type === 'compressed')).toBe(false);
    const long = await h.prompt(LONG_PROMPT);
    const compressed = long.events.find((e) => e.type === 'compressed') as Extract<AgentEvent, { type: 'compressed' }>;
    expect(compressed).toMatchObject({ estimated: true, after_chars: SUMMARY.length });
    expect(compressed.reason).toBeUndefined();
    expect(compressed.prompt_tokens).toBeGreaterThan(1280);
    expect(compressed.prompt_tokens).toBeLessThan(LONG_PROMPT.length);
  });

  it('compresses and retries the step once when the server refuses the prompt as too long', async () => {
    await h.start();
    h.fake.script(
      reply.error(400, "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens."),
      reply.text(SUMMARY),
      reply.text('PELICAN-42'),
    );
    const { end, events } = await h.prompt(LONG_PROMPT);
    expect(end.status).toBe('answered');
    expect(events.filter((e) => e.type !== 'chunk').map((e) => e.type)).toEqual(['compressed', 'answer', 'usage', 'turn_end']);
    expect(events.find((e) => e.type === 'compressed')).toMatchObject({ reason: 'overflow', estimated: true, after_chars: SUMMARY.length });
    expect(h.fake.requests.map((r) => r.body.model)).toEqual(['gpt-5.1', 'gpt-4.1-nano', 'gpt-5.1']);
    expect(h.fake.requests[2]!.body.messages.slice(1)).toEqual([{ role: 'system', content: `Conversation summary:\n\n${SUMMARY}` }]);
  });

  it('fails the turn with the context error when the prompt is still too long after compressing', async () => {
    await h.start();
    const tooLong = reply.error(400, 'the request exceeds the available context size, try increasing it');
    h.fake.script(tooLong, reply.text(SUMMARY), tooLong);
    const { end, events } = await h.prompt(LONG_PROMPT);
    expect(end.status).toBe('failed');
    expect(events.filter((e) => e.type !== 'chunk').map((e) => e.type)).toEqual(['compressed', 'error', 'usage', 'turn_end']);
    const err = events.find((e) => e.type === 'error') as Extract<AgentEvent, { type: 'error' }>;
    expect(err.error.type).toBe('context_length');
    expect(h.fake.requests).toHaveLength(3);
  });

  it("summarises on the agent's own model when the server has no compression model (a local server)", async () => {
    await h.start();
    h.fake.script(reply.text('Noted.', { usage: OVER }), reply.error(404, 'model "gpt-4.1-nano" not found, try pulling it first'), reply.text(SUMMARY), reply.text('PELICAN-42'));
    const first = await h.prompt(LONG_PROMPT);
    expect(first.events.find((e) => e.type === 'compressed')).toMatchObject({ after_chars: SUMMARY.length });
    expect(first.events.some((e) => e.type === 'error')).toBe(false);
    await h.prompt('What was the code word?');
    expect(h.fake.requests.map((r) => r.body.model)).toEqual(['gpt-5.1', 'gpt-4.1-nano', 'gpt-5.1', 'gpt-5.1']);
    expect(h.fake.requests[3]!.body.messages[1]).toEqual({ role: 'system', content: `Conversation summary:\n\n${SUMMARY}` });
  });
});
