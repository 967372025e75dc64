// Tool calls from the model run through the supervisor's tool service in real Lua isolates: one call,
// parallel calls answered in call order, unknown names and bad arguments (not JSON, not fitting the schema)
// answered without running, the step limit.
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

const toolMessages = (body: any) => body.messages.filter((m: any) => m.role === 'tool');

/** The model loads app.generated:<name>, calls it (call id `b`, no arguments), then answers `answer`. */
const loadThenCall = (name: string, answer: string) => [
  reply.toolCalls([{ id: 'l', name: 'load_tool', args: { id: `app.generated:${name}` } }]),
  reply.toolCalls([{ id: 'b', name, args: {} }]),
  reply.text(answer),
];

describe('agent tool calls', () => {
  it('runs one built-in tool call (registry_read) and answers from its result', async () => {
    await h.start();
    h.fake.script(
      reply.toolCalls([{ id: 'call_1', name: 'registry_read', args: { id: 'app:gpt-4.1-nano' } }]),
      reply.text('It is the compression model.'),
    );
    const { end, events } = await h.prompt('What is gpt-4.1-nano for?');
    expect(end).toMatchObject({ status: 'answered', steps: 2 });
    expect(events.map((e) => e.type).filter((t) => t !== 'chunk')).toEqual(['tool_call', 'tool_result', 'answer', 'usage', 'turn_end']);
    expect(events[0]).toMatchObject({ type: 'tool_call', id: 'call_1', name: 'registry_read', arguments: { id: 'app:gpt-4.1-nano' } });
    const result = events.find((e) => e.type === 'tool_result') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(result.ok).toBe(true);
    expect(result.result).toMatchObject({ id: 'app:gpt-4.1-nano', kind: 'registry.entry', meta: { name: 'gpt-4.1-nano' } });

    const second = h.fake.requests[1]!.body;
    const assistant = second.messages.find((m: any) => m.role === 'assistant' && m.tool_calls);
    expect(assistant.tool_calls[0]).toMatchObject({ id: 'call_1', function: { name: 'registry_read', arguments: '{"id":"app:gpt-4.1-nano"}' } });
    const [tool] = toolMessages(second);
    expect(tool.tool_call_id).toBe('call_1');
    expect(JSON.parse(tool.content)).toMatchObject({ id: 'app:gpt-4.1-nano', meta: { comment: 'Fast, cheap model used to compress the conversation.' } });
  });

  it('runs two tool calls of one step in parallel and appends their results in call order', async () => {
    // A slow generated tool as the first call, a quick built-in as the second: both are dispatched before
    // either answers (sequential dispatch would announce the second only after the first's result).
    await h.put(
      generatedTool('slow_echo', 'local function handler(input) local n = 0 for i = 1, 3000000 do n = n + i end return { echo = input.text, n = n } end\nreturn { handler = handler }', {
        schema: '{"type":"object","properties":{"text":{"type":"string"}}}',
      }),
    );
    await h.start({ agentId: 'app:dev_assistant' });
    h.fake.script(
      reply.toolCalls([{ id: 'load', name: 'load_tool', args: { id: 'app.generated:slow_echo' } }]),
      reply.toolCalls([
        { id: 'a', name: 'slow_echo', args: { text: 'first' } },
        { id: 'b', name: 'registry_read', args: { id: 'app:openai' } },
      ]),
      reply.text('done'),
    );
    const { end, events } = await h.prompt('echo and read');
    expect(end.status).toBe('answered');
    const step2 = events.filter((e) => (e.type === 'tool_call' || e.type === 'tool_result') && e.id !== 'load');
    // both calls were announced before either result came back: they were dispatched together
    expect(step2.slice(0, 2).map((e) => e.type)).toEqual(['tool_call', 'tool_call']);
    const results = step2.filter((e) => e.type === 'tool_result') as Extract<AgentEvent, { type: 'tool_result' }>[];
    expect(results.every((r) => r.ok)).toBe(true);
    // whatever order they finished in, the conversation holds them in the model's call order
    const tools = toolMessages(h.fake.requests[2]!.body);
    expect(tools.map((t: any) => t.tool_call_id)).toEqual(['load', 'a', 'b']);
    expect(JSON.parse(tools[1].content)).toMatchObject({ echo: 'first' });
    expect(JSON.parse(tools[2].content)).toMatchObject({ id: 'app:openai' });
    // (the chat request builder groups back-to-back call blocks into one assistant message)
    const assistant = h.fake.requests[2]!.body.messages.filter((m: any) => m.role === 'assistant' && m.tool_calls);
    expect(assistant.flatMap((m: any) => m.tool_calls.map((c: any) => c.id))).toEqual(['load', 'a', 'b']);
  });

  it('answers an unknown tool name with the list of tools that exist, without running anything', async () => {
    await h.start();
    h.fake.script(reply.toolCalls([{ id: 'x', name: 'fetch_weather', args: { city: 'Oslo' } }]), reply.text('Sorry.'));
    const { end, events } = await h.prompt('weather?');
    expect(end.status).toBe('answered');
    const result = events.find((e) => e.type === 'tool_result') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(result).toMatchObject({ ok: false, name: 'fetch_weather', error: { type: 'unknown_tool' } });
    const [tool] = toolMessages(h.fake.requests[1]!.body);
    const content = JSON.parse(tool.content);
    expect(content.error.type).toBe('unknown_tool');
    expect(content.error.message).toContain('Available tools: create_tool, doc_search, load_tool, registry_list, registry_read');
    expect(h.pool.stats().calls).toBe(0);
  });

  it('answers arguments that are not JSON with invalid_input and keeps the conversation valid', async () => {
    await h.start();
    h.fake.script(reply.toolCalls([{ id: 'bad', name: 'registry_read', args: '{"id": "app:openai"' }]), reply.text('Retrying later.'));
    const { end } = await h.prompt('read it');
    expect(end.status).toBe('answered');
    const body = h.fake.requests[1]!.body;
    const call = body.messages.find((m: any) => m.tool_calls).tool_calls[0];
    expect(call.function.arguments).toBe('{}');
    expect(JSON.parse(toolMessages(body)[0].content).error.type).toBe('invalid_input');
  });

  it('answers arguments that do not fit the tool schema with invalid_input naming each field; nothing runs; the repaired call does', async () => {
    await h.put(
      generatedTool('add_two', 'local function handler(input) return { sum = input.a + input.b } end\nreturn { handler = handler }', {
        schema: '{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"],"additionalProperties":false}',
      }),
    );
    await h.start();
    h.fake.script(
      reply.toolCalls([{ id: 'l', name: 'load_tool', args: { id: 'app.generated:add_two' } }]),
      reply.toolCalls([{ id: 'bad', name: 'add_two', args: { b: 'x', c: 1 } }]),
      reply.toolCalls([{ id: 'good', name: 'add_two', args: { a: 2, b: 40 } }]),
      reply.text('42'),
    );
    const callsBefore = h.pool.stats().calls;
    const { end, events } = await h.prompt('add');
    expect(end.status).toBe('answered');
    const bad = events.find((e) => e.type === 'tool_result' && e.id === 'bad') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(bad).toMatchObject({ ok: false, error: { type: 'invalid_input' } });
    // the model is told every field that is wrong, by name, and that nothing ran
    const content = JSON.parse(toolMessages(h.fake.requests[2]!.body).find((t: any) => t.tool_call_id === 'bad').content);
    expect(content.error.type).toBe('invalid_input');
    expect(content.error.message).toContain('missing required property "a"');
    expect(content.error.message).toContain('b must be number, got string "x"');
    expect(content.error.message).toContain('unexpected property "c"');
    expect(content.error.message).toContain('The tool did not run');
    // load_tool and the repaired call ran in the pool; the bad call did not (Lua would have raised on "x" + nil)
    expect(h.pool.stats().calls - callsBefore).toBe(2);
    const good = events.find((e) => e.type === 'tool_result' && e.id === 'good') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(good).toMatchObject({ ok: true, result: { sum: 42 } });
  });

  it('gives a tool failure back to the model as {error: {type, message}} with the isolate message', async () => {
    await h.put(generatedTool('broken', 'local function handler(input) error("kaput") end\nreturn { handler = handler }'));
    await h.start();
    h.fake.script(...loadThenCall('broken', 'It broke.'));
    const { events } = await h.prompt('run broken');
    const failed = events.find((e) => e.type === 'tool_result' && e.id === 'b') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(failed.ok).toBe(false);
    expect(failed.error!.type).toBe('runtime');
    const tool = toolMessages(h.fake.requests[2]!.body).find((t: any) => t.tool_call_id === 'b');
    const content = JSON.parse(tool.content);
    expect(Object.keys(content)).toEqual(['error']);
    expect(content.error.type).toBe('runtime');
    expect(content.error.message).toContain('kaput');
  });

  it('gives the model the head of an oversized result with a note; the tool_result event keeps it whole', async () => {
    await h.put(generatedTool('big', 'local function handler(input) return { text = string.rep("abcdefghij", 50) } end\nreturn { handler = handler }'));
    await h.start({ maxResultChars: 120 });
    h.fake.script(...loadThenCall('big', 'Too much.'));
    const { events } = await h.prompt('run big');
    const result = events.find((e) => e.type === 'tool_result' && e.id === 'b') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(result).toMatchObject({ ok: true, result: { text: 'abcdefghij'.repeat(50) } });
    const full = JSON.stringify({ text: 'abcdefghij'.repeat(50) });
    const content = JSON.parse(toolMessages(h.fake.requests[2]!.body).find((t: any) => t.tool_call_id === 'b').content);
    expect(content).toEqual({ truncated: true, total_chars: full.length, note: expect.stringContaining('only the first 120 are shown'), head: full.slice(0, 120) });
    // a result within the limit (load_tool's) reaches the model unchanged
    expect(JSON.parse(toolMessages(h.fake.requests[2]!.body).find((t: any) => t.tool_call_id === 'l').content)).toMatchObject({ loaded: true });
  });

  it('stops at the step limit with a plain answer and turn_end step_limit', async () => {
    await h.start({ maxSteps: 3 });
    const read = (id: string) => reply.toolCalls([{ id, name: 'registry_read', args: { id: 'app:openai' } }]);
    h.fake.script(read('s1'), read('s2'), read('s3'), reply.text('next turn works'));
    const { end, events } = await h.prompt('loop forever');
    expect(end).toMatchObject({ status: 'step_limit', steps: 3 });
    expect(events.find((e) => e.type === 'answer')).toMatchObject({ text: 'Stopped after 3 steps without a final answer.' });
    expect(h.fake.requests).toHaveLength(3);
    const next = await h.prompt('and now?');
    expect(next.end.status).toBe('answered');
    const msgs = h.fake.requests[3]!.body.messages;
    expect(msgs.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id)).toEqual(['s1', 's2', 's3']);
  });

  it('drops the tool calls of a step cut off by the length limit and tells the model', async () => {
    await h.start();
    h.fake.script(
      reply.toolCalls([{ id: 'cut', name: 'registry_read', args: { id: 'app:openai' } }], { finish: 'length' }),
      reply.text('Smaller steps then.'),
    );
    const { end, events } = await h.prompt('big job');
    expect(end).toMatchObject({ status: 'answered', steps: 2 });
    expect(events.some((e) => e.type === 'tool_call')).toBe(false);
    expect(h.pool.stats().calls).toBe(0);
    const last = h.fake.requests[1]!.body.messages.at(-1);
    expect(last.role).toBe('user');
    expect(last.content).toContain('truncated');
  });
});
