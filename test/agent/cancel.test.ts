// Cancellation races: cancel while the model streams (the stream is aborted, turn_end canceled, the next
// prompt works) and cancel while a tool runs (the orphaned call is answered `canceled` in the conversation).
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

describe('agent cancel', () => {
  it('cancel mid-stream aborts the model request, ends the turn canceled and the session answers the next prompt', async () => {
    await h.start();
    h.fake.script(
      { type: 'chat', steps: [{ type: 'text', text: 'Partial' }, { type: 'emit', name: 'streaming' }, { type: 'hang' }] },
      reply.text('Fresh answer.'),
    );
    const turn = h.promptAsync('long story please');
    await h.fake.reached('streaming');
    await h.waitFor((e) => e.type === 'chunk' && e.turn === turn);
    h.send({ type: 'cancel', turn });
    const { end, events } = await h.turnEnd(turn);
    expect(end).toMatchObject({ status: 'canceled', steps: 1 });
    expect(events.some((e) => e.type === 'answer')).toBe(false);
    await h.fake.requests[0]!.done;
    expect(h.fake.requests[0]!.closedByClient).toBe(true);

    const next = await h.prompt('short one');
    expect(next.end.status).toBe('answered');
    expect(next.events.find((e) => e.type === 'answer')).toMatchObject({ text: 'Fresh answer.' });
    const msgs = h.fake.requests[1]!.body.messages.slice(1);
    // the canceled prompt stays (merged with the next one: consecutive user text), the partial answer does not
    expect(msgs).toEqual([{ role: 'user', content: 'long story please\n\nshort one' }]);
  });

  it('cancel while a tool runs answers the orphaned calls as canceled so the next turn is a valid conversation', async () => {
    await h.put(generatedTool('spin', 'local function handler(input) while true do end end\nreturn { handler = handler }'));
    await h.start();
    h.fake.script(
      reply.toolCalls([{ id: 'l', name: 'load_tool', args: { id: 'app.generated:spin' } }]),
      reply.toolCalls([
        { id: 'spin1', name: 'spin', args: {} },
        { id: 'read1', name: 'registry_read', args: { id: 'app:openai' } },
      ]),
      reply.text('Back.'),
    );
    const turn = h.promptAsync('spin please');
    await h.waitFor((e) => e.type === 'tool_call' && e.id === 'spin1');
    h.send({ type: 'cancel', turn });
    const { end, events } = await h.turnEnd(turn);
    expect(end).toMatchObject({ status: 'canceled', steps: 2 });
    const spin = events.find((e) => e.type === 'tool_result' && e.id === 'spin1') as Extract<AgentEvent, { type: 'tool_result' }>;
    expect(spin).toMatchObject({ ok: false, error: { type: 'canceled', message: 'canceled by the user' } });
    expect(h.fake.requests).toHaveLength(2);

    const next = await h.prompt('are you there?');
    expect(next.end.status).toBe('answered');
    const msgs = h.fake.requests[2]!.body.messages;
    const calls = msgs.filter((m: any) => m.tool_calls).flatMap((m: any) => m.tool_calls.map((c: any) => c.id));
    const answered = msgs.filter((m: any) => m.role === 'tool').map((m: any) => m.tool_call_id);
    expect(calls).toEqual(['l', 'spin1', 'read1']);
    expect(answered).toEqual(calls);
    const spinResult = msgs.find((m: any) => m.role === 'tool' && m.tool_call_id === 'spin1');
    expect(JSON.parse(spinResult.content)).toEqual({ error: { type: 'canceled', message: 'canceled by the user' } });
    expect(msgs.at(-1)).toEqual({ role: 'user', content: 'are you there?' });
  });

  it('a prompt canceled before it started ends canceled without touching the conversation', async () => {
    await h.start();
    h.fake.script(
      { type: 'chat', steps: [{ type: 'emit', name: 'first' }, { type: 'hang' }] },
      reply.text('Only the third.'),
    );
    const first = h.promptAsync('first');
    const second = h.promptAsync('second');
    await h.fake.reached('first');
    h.send({ type: 'cancel', turn: second });
    h.send({ type: 'cancel', turn: first });
    expect((await h.turnEnd(first)).end.status).toBe('canceled');
    expect((await h.turnEnd(second)).end).toMatchObject({ status: 'canceled', steps: 0 });
    await h.prompt('third');
    expect(h.fake.requests[1]!.body.messages.slice(1)).toEqual([{ role: 'user', content: 'first\n\nthird' }]);
  });
});

describe('agent lifecycle', () => {
  it('stop ends the agent process normally', async () => {
    await h.start();
    const notice = await h.runtime!.stop();
    expect(notice).toMatchObject({ reason: 'normal', result: { stopped: 'stop' } });
    expect(h.host.state(h.runtime!.toolServicePid)?.status).toBe('exited');
  });

  it('an unknown agent id makes the process exit with a crash naming the agent', async () => {
    await expect(h.start({ agentId: 'app:nobody' })).rejects.toThrow(/app:nobody.*not found/);
    const notice = await h.exitNotice();
    expect(notice).toMatchObject({ reason: 'crash', error: { code: 'CONFIG_INVALID' } });
  });

  it('runs the model given as the override, with the key from the provider variables', async () => {
    await h.start({ model: 'gpt-4.1-nano' });
    h.fake.script(reply.text('nano here'));
    await h.prompt('hi');
    expect(h.fake.requests[0]!.body.model).toBe('gpt-4.1-nano');
    expect(h.fake.requests[0]!.headers.authorization).toBe('Bearer sk-test');
  });
});
