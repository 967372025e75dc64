// Cost arithmetic from model pricing (per 1M tokens, cached prompt tokens at the cached rate when the
// entry has one) per step and per session, checked by hand-computed dollars.
import { describe, expect, it } from 'vitest';
import { CostMeter, stepCost } from '../../src/llm/cost-calculator.js';
import { reply } from '../support/fake-openai.js';
import { useHarness } from './harness.js';

const h = useHarness();

describe('cost calculator', () => {
  it('prices prompt and completion per million tokens', () => {
    // gpt-5.1: $2.5 in, $10 out. 10k prompt + 2k completion = 0.025 + 0.02
    expect(stepCost({ input: 2.5, output: 10 }, { prompt: 10_000, completion: 2_000, cached: 0, reasoning: 0, total: 12_000 })).toBeCloseTo(0.045, 12);
  });

  it('prices cached prompt tokens at the cached rate when the entry gives one', () => {
    // 1000 prompt of which 800 cached: 200*2 + 800*0.5 + 100*8 = 400 + 400 + 800 = 1600 per 1M
    expect(stepCost({ input: 2, output: 8, cachedInput: 0.5 }, { prompt: 1000, completion: 100, cached: 800, reasoning: 0, total: 1100 })).toBeCloseTo(0.0016, 12);
  });

  it('prices cached tokens as input when the entry has no cached rate, and does not double-charge reasoning', () => {
    expect(stepCost({ input: 2, output: 8 }, { prompt: 1000, completion: 100, cached: 800, reasoning: 90, total: 1100 })).toBeCloseTo((1000 * 2 + 100 * 8) / 1e6, 12);
  });

  it('sums a session per model', () => {
    const m = new CostMeter();
    m.add('a', { prompt: 10, completion: 5, cached: 2, reasoning: 1, total: 15 }, 0.5);
    m.add('b', undefined, undefined);
    m.add('a', { prompt: 1, completion: 1, cached: 0, reasoning: 0, total: 2 }, 0.25);
    const s = m.snapshot();
    expect(s.steps).toBe(3);
    expect(s.cost).toBeCloseTo(0.75, 12);
    expect(s.tokens).toEqual({ prompt: 11, completion: 6, cached: 2, reasoning: 1, total: 17 });
    expect(s.byModel.a).toEqual({ steps: 2, tokens: { prompt: 11, completion: 6, cached: 2, reasoning: 1, total: 17 }, cost: 0.75 });
    expect(s.byModel.b!.steps).toBe(1);
  });

  it('reports cost per step and per session for real streamed steps', async () => {
    h.fake.script(
      reply.text('one', { usage: { prompt: 1000, completion: 100, cached: 800 } }),
      reply.text('two', { usage: { prompt: 2000, completion: 50, cached: 0 } }),
      reply.text('three', { usage: { prompt: 100_000, completion: 10_000 } }),
    );
    const a = await h.llm.generate('x', { model: 'cached-priced' });
    const b = await h.llm.generate('x', { model: 'cached-priced' });
    const c = await h.llm.generate('x', { model: 'gpt-5.1' });
    expect(a.ok && a.response.cost).toBeCloseTo(0.0016, 12);
    expect(b.ok && b.response.cost).toBeCloseTo((2000 * 2 + 50 * 8) / 1e6, 12);
    expect(c.ok && c.response.cost).toBeCloseTo(0.25 + 0.1, 12);
    const usage = h.llm.usage();
    expect(usage.steps).toBe(3);
    expect(usage.cost).toBeCloseTo(0.0016 + 0.0044 + 0.35, 12);
    expect(usage.tokens.prompt).toBe(103_000);
    expect(usage.byModel['cached-priced']!.steps).toBe(2);
  });
});
