// Shared setup for the LLM tests: a fake OpenAI server plus an Llm wired to it with fast, recorded retries.
// Retry waits are recorded (not slept) so tests assert the requested delays without timing anything.
import { afterEach, beforeEach } from 'vitest';
import { createLlm, type Llm } from '../../src/llm/llm.js';
import type { RetryOptions } from '../../src/llm/retry-policy.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { ALL_MODELS } from '../fixtures/llm/models.js';

export interface Harness {
  fake: FakeOpenAI;
  llm: Llm;
  /** Delays the retry policy asked to wait, in order. */
  sleeps: number[];
  make(opts?: { timeoutMs?: number; retry?: Partial<RetryOptions>; apiKey?: string }): Llm;
}

export function useHarness(): Harness {
  const h = { sleeps: [] as number[] } as Harness;
  beforeEach(async () => {
    h.fake = await startFakeOpenAI();
    h.sleeps = [];
    h.make = (opts = {}) =>
      createLlm({
        models: ALL_MODELS,
        provider: { apiKey: opts.apiKey ?? 'sk-test', baseURL: h.fake.url, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
        retry: {
          random: () => 0,
          sleep: async (ms) => {
            h.sleeps.push(ms);
          },
          ...opts.retry,
        },
      });
    h.llm = h.make();
  });
  afterEach(async () => {
    await h.fake.close();
  });
  return h;
}
