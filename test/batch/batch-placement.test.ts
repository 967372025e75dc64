// Where batch agents run: by default many per shared process host thread, each prompt still its own process
// with its own conversation, tokens and cost; a crashing agent fails only its prompt; dedicated still works.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BatchItem } from '../../src/batch/batch-input.js';
import type { BatchResult } from '../../src/batch/batch-result.js';
import { runBatch } from '../../src/batch/batch-runner.js';
import { openBatchSupervisor, type BatchSupervisorOptions } from '../../src/batch/batch-supervisor.js';
import { echoModel, scratchWithFake, USAGE } from './batch-fake.js';

const ws = scratchWithFake(echoModel);

function items(prompts: readonly string[]): BatchItem[] {
  return prompts.map((prompt, i) => ({ id: `i${i}`, key: JSON.stringify(`i${i}`), prompt, line: i + 1 }));
}

async function run(prompts: readonly string[], concurrency: number, options: Partial<BatchSupervisorOptions> = {}): Promise<Map<string, BatchResult>> {
  const supervisor = await openBatchSupervisor({ home: join(ws.scratch, 'home'), env: { OPENAI_BASE_URL: ws.fake.url, OPENAI_API_KEY: 'test' }, ...options });
  try {
    expect(supervisor.placement).toBe(options.agentPlacement ?? 'shared');
    const results = new Map<string, BatchResult>();
    await runBatch({ supervisor, items: items(prompts), concurrency, onResult: (r) => results.set(String(r.id), r) });
    expect(supervisor.agents()).toBe(0);
    return results;
  } finally {
    await supervisor.close();
  }
}

const TOTAL = USAGE.prompt + USAGE.completion;

describe('batch agent placement', () => {
  it('16 agents at once on the shared host threads each answer their own prompt with their own tokens and cost', async () => {
    const prompts = Array.from({ length: 16 }, (_, i) => `prompt number ${i}`);
    const results = await run(prompts, 16);
    expect(results.size).toBe(16);
    const costs = new Set<number>();
    prompts.forEach((prompt, i) => {
      const r = results.get(`i${i}`)!;
      expect(r.error).toBeUndefined();
      expect(r.answer).toBe(`answer to ${prompt}`);
      // Usage is the prompt's own, not the thread's or another session's.
      expect(r.tokens.total).toBe(TOTAL);
      costs.add(r.cost);
    });
    expect(costs.size).toBe(1);
    expect([...costs][0]).toBeGreaterThan(0);
    // One request per prompt, each carrying only its own conversation.
    expect(ws.fake.requests).toHaveLength(16);
    for (const req of ws.fake.requests) {
      expect((req.body.messages as { role: string }[]).filter((m) => m.role === 'user')).toHaveLength(1);
    }
  });

  it('an agent that crashes fails only its own prompt; the agents beside it on the same threads answer', async () => {
    const agentModule = fileURLToPath(new URL('../fixtures/batch/crashing-agent.mjs', import.meta.url));
    const prompts = ['first', 'second', 'crash here', 'fourth', 'fifth', 'sixth'];
    const results = await run(prompts, 6, { agentModule });
    const crashed = results.get('i2')!;
    expect(crashed.error?.type).toBe('agent_crashed');
    expect(crashed.error?.message).toContain('the agent fixture crashed on "crash here"');
    expect(crashed.answer).toBeNull();
    for (const i of [0, 1, 3, 4, 5]) {
      const r = results.get(`i${i}`)!;
      expect(r.error).toBeUndefined();
      expect(r.answer).toBe(`answer to ${prompts[i]}`);
    }
  });

  it('opening warms every host thread with a dry prompt that sends nothing to the model', async () => {
    const supervisor = await openBatchSupervisor({ home: join(ws.scratch, 'home'), env: { OPENAI_BASE_URL: ws.fake.url, OPENAI_API_KEY: 'test' } });
    try {
      // The warm-up agents answered their dry prompt and stopped; the model saw none of it.
      expect(supervisor.agents()).toBe(0);
      expect(ws.fake.requests).toHaveLength(0);
      const results = new Map<string, BatchResult>();
      await runBatch({ supervisor, items: items(['after warm-up']), concurrency: 1, onResult: (r) => results.set(String(r.id), r) });
      expect(results.get('i0')).toMatchObject({ answer: 'answer to after warm-up', tokens: { total: TOTAL } });
      expect(ws.fake.requests).toHaveLength(1);
    } finally {
      await supervisor.close();
    }
  });

  it('sequential prompts on a warm thread reuse it and still start from an empty conversation', async () => {
    const prompts = ['one', 'two', 'three', 'four'];
    const results = await run(prompts, 1);
    expect([...results.values()].map((r) => r.answer)).toEqual(prompts.map((p) => `answer to ${p}`));
    for (const req of ws.fake.requests) expect((req.body.messages as { role: string }[]).filter((m) => m.role === 'user')).toHaveLength(1);
  });

  it('dedicated placement (a worker per prompt) gives the same results', async () => {
    const results = await run(['alpha', 'beta'], 2, { agentPlacement: 'dedicated' });
    expect(results.get('i0')!.answer).toBe('answer to alpha');
    expect(results.get('i1')!.answer).toBe('answer to beta');
    expect(results.get('i1')!.tokens.total).toBe(TOTAL);
  });
});
