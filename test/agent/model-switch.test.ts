// Switching the model mid-session (set_model): the next turn is sent to the new model with the whole
// conversation so far, usage keeps counting across both models, and a model that cannot be resolved
// leaves the session as it was.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { reply } from '../support/fake-openai.js';
import { createAgentHarness, type AgentHarness } from './agent-harness.js';

let h: AgentHarness;
beforeEach(async () => {
  h = await createAgentHarness();
});
afterEach(async () => {
  await h.close();
});

type Info = Extract<AgentEvent, { type: 'info' }>;
const modelInfos = (): Info[] => h.events.filter((e): e is Info => e.type === 'info' && e.what === 'model');

async function switchTo(name: string): Promise<unknown> {
  const before = modelInfos().length;
  h.send({ type: 'set_model', name });
  const info = await h.waitFor((e): e is Info => e.type === 'info' && e.what === 'model' && modelInfos().indexOf(e) === before);
  return info.data;
}

describe('set_model', () => {
  it('sends the next turn to the new model with the conversation so far; usage counts both models', async () => {
    const ready = await h.start();
    expect(ready.model).toBe('gpt-5.1');
    h.fake.script(reply.text('Paris.', { usage: { prompt: 100, completion: 2 } }), reply.text('About 2.1 million.', { usage: { prompt: 120, completion: 5 } }));
    await h.prompt('capital of France?');

    expect(await switchTo('gpt-4.1-nano')).toEqual({ model: 'gpt-4.1-nano', agent: 'app:dev_assistant' });
    const second = await h.prompt('and its population?');
    expect(second.end.status).toBe('answered');
    const body = h.fake.requests[1]!.body;
    expect(body.model).toBe('gpt-4.1-nano');
    expect((body.messages as { role: string; content: string }[]).slice(1).map((m) => [m.role, m.content])).toEqual([
      ['user', 'capital of France?'],
      ['assistant', 'Paris.'],
      ['user', 'and its population?'],
    ]);
    h.send({ type: 'query', what: 'cost' });
    const cost = await h.waitFor((e): e is Info => e.type === 'info' && e.what === 'cost');
    expect((cost.data as { tokens: { prompt: number } }).tokens.prompt).toBe(220);
  });

  it('a model that cannot be resolved is refused with the reason and the session keeps its model', async () => {
    await h.start();
    const refused = (await switchTo('class:no-such-class')) as { error: string };
    expect(refused.error).toContain('no-such-class');
    h.fake.script(reply.text('still here'));
    await h.prompt('hello');
    expect(h.fake.requests[0]!.body.model).toBe('gpt-5.1');
  });
});
