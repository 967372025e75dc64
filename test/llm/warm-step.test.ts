// The dry LLM step a shared host thread runs before its first prompt: it goes through the real provider and
// SDK against the dry transport (a loopback server of this thread; nothing else is contacted) and runs once per
// thread however often it is asked.
import { describe, expect, it } from 'vitest';
import { runDryStep, warmLlmStep } from '../../src/llm/warm-step.js';

describe('warmLlmStep', () => {
  it('answers the dry step from the canned reply, contacting no model server', async () => {
    expect(await runDryStep()).toBe(true);
  });

  it('runs once per thread: later calls share the first', async () => {
    const first = warmLlmStep();
    expect(warmLlmStep()).toBe(first);
    await expect(first).resolves.toBeUndefined();
  });
});
