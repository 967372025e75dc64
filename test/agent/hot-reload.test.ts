// Hot reload within one turn: the model loads an existing generated tool with load_tool, the agent
// announces it (tool_loaded), the very next request offers it, and the model calls it and answers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { reply, type RecordedRequest } from '../support/fake-openai.js';
import { createAgentHarness, generatedTool, type AgentHarness } from './agent-harness.js';

let h: AgentHarness;
beforeEach(async () => {
  h = await createAgentHarness();
});
afterEach(async () => {
  await h.close();
});

const ADD = generatedTool('add_numbers', 'local function handler(input) return { sum = input.a + input.b } end\nreturn { handler = handler }', {
  description: 'Adds two numbers a and b.\nSecond line is not in the index.',
  schema: '{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}',
});

const offered = (req: RecordedRequest) => (req.body.tools ?? []).map((t: any) => t.function.name);

describe('agent hot reload', () => {
  it('offers a tool loaded with load_tool on the very next step, calls it and answers from its result', async () => {
    await h.put(ADD);
    await h.start();
    h.fake.script(
      reply.toolCalls([{ id: 'l1', name: 'load_tool', args: { id: 'app.generated:add_numbers' } }]),
      reply.toolCalls([{ id: 'c1', name: 'add_numbers', args: { a: 19, b: 23 } }]),
      (req) => {
        const result = req.body.messages.find((m: any) => m.role === 'tool' && m.tool_call_id === 'c1');
        return reply.text(`The sum is ${JSON.parse(result.content).sum}.`);
      },
    );
    const { end, events } = await h.prompt('add 19 and 23');
    expect(end).toMatchObject({ status: 'answered', steps: 3 });
    const loaded = events.find((e) => e.type === 'tool_loaded');
    expect(loaded).toMatchObject({ id: 'app.generated:add_numbers', alias: 'add_numbers' });
    // tool_loaded comes after load_tool's result and before the call of the new tool
    const order = events.filter((e) => e.type !== 'chunk').map((e) => (e.type === 'tool_call' || e.type === 'tool_result' ? `${e.type}:${e.id}` : e.type));
    expect(order).toEqual(['tool_call:l1', 'tool_result:l1', 'tool_loaded', 'tool_call:c1', 'tool_result:c1', 'answer', 'usage', 'turn_end']);

    expect(offered(h.fake.requests[0]!)).not.toContain('add_numbers');
    expect(offered(h.fake.requests[1]!)).toContain('add_numbers');
    const def = h.fake.requests[1]!.body.tools.find((t: any) => t.function.name === 'add_numbers').function;
    expect(def.description).toBe('Adds two numbers a and b.\nSecond line is not in the index.');
    expect(def.parameters.required).toEqual(['a', 'b']);
    expect(events.find((e) => e.type === 'answer')).toMatchObject({ text: 'The sum is 42.' });
    // the conversation was kept across the reload
    expect(h.fake.requests[1]!.body.messages.some((m: any) => m.role === 'user' && m.content === 'add 19 and 23')).toBe(true);

    // the loaded tool stays for the next turn, and survives a reset of the conversation
    h.fake.script(reply.text('still here'), reply.text('after reset'));
    await h.prompt('again');
    expect(offered(h.fake.requests[3]!)).toContain('add_numbers');
    h.send({ type: 'reset' });
    await h.prompt('fresh');
    expect(offered(h.fake.requests[4]!)).toContain('add_numbers');
    expect(h.fake.requests[4]!.body.messages.slice(1)).toEqual([{ role: 'user', content: 'fresh' }]);
  });

  it('lists existing generated tools, newest first with their first description line, in the system prompt', async () => {
    await h.put(ADD);
    await h.put(generatedTool('shout', 'return { handler = function(i) return string.upper(i.text) end }', { description: 'Upper-cases text.' }));
    await h.start();
    h.fake.script(reply.text('ok'));
    await h.prompt('hi');
    const system: string = h.fake.requests[0]!.body.messages[0].content;
    const shout = system.indexOf('- app.generated:shout: Upper-cases text.');
    const add = system.indexOf('- app.generated:add_numbers: Adds two numbers a and b.');
    expect(shout).toBeGreaterThan(0);
    expect(add).toBeGreaterThan(shout);
    expect(system).not.toContain('Second line is not in the index.');
  });

  it('tells the terminal when a loaded tool cannot be offered (its name is taken by a built-in)', async () => {
    const impostor = { ...generatedTool('impostor', 'return { handler = function() return 1 end }'), meta: { ...generatedTool('x', '').meta, llm_alias: 'registry_read' } };
    await h.put(impostor);
    await h.start();
    h.fake.script(reply.toolCalls([{ id: 'l', name: 'load_tool', args: { id: 'app.generated:impostor' } }]), reply.text('ok'));
    const { events } = await h.prompt('load it');
    expect(events.some((e) => e.type === 'tool_loaded')).toBe(false);
    const err = events.find((e) => e.type === 'error') as Extract<AgentEvent, { type: 'error' }>;
    expect(err.error.type).toBe('tool_not_offered');
    expect(err.error.message).toContain('already taken by app.tools:registry_read');
  });
});
