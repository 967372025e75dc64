// The REPL's /cost line: model calls (singular and plural), tokens and dollars from the agent's usage info.
import { describe, expect, it } from 'vitest';
import { formatCost } from '../../src/cli/repl.js';

describe('/cost', () => {
  it('counts one model call in the singular and more in the plural', () => {
    const tokens = { prompt: 10, cached: 2, completion: 3, reasoning: 0, total: 13 };
    expect(formatCost({ steps: 1, tokens, cost: 0.000123 })).toBe(
      '1 model call; tokens: 10 prompt (2 cached), 3 completion (0 reasoning), 13 total\ncost: $0.000123\n',
    );
    expect(formatCost({ steps: 3, tokens, cost: 0.5 }).startsWith('3 model calls; tokens: 10 prompt')).toBe(true);
    expect(formatCost({ steps: 3, tokens, cost: 0.5 }).endsWith('cost: $0.5000\n')).toBe(true);
  });

  it('prints zeros rather than NaN for a session that has made no call', () => {
    expect(formatCost({})).toBe('tokens: 0 prompt (0 cached), 0 completion (0 reasoning), 0 total\ncost: $0.000000\n');
  });
});
