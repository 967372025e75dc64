// Dollar cost of a step from a model's pricing (per 1M tokens), cached prompt tokens at the cached rate
// when the entry gives one; and the per-session meter summing steps.
import type { ModelCard } from '../../schemas/kinds/llm-model.js';
import type { TokenUsage } from '../../schemas/llm-messages.js';
import { addTokens, ZERO_TOKENS } from './token-usage.js';

export type Pricing = ModelCard['pricing'];

/**
 * Cost in US dollars: uncached prompt × input + cached × (cachedInput ?? input) + completion × output,
 * all per 1M tokens. Reasoning tokens are part of `completion` and are not charged twice.
 */
export function stepCost(pricing: Pricing, tokens: TokenUsage): number {
  const cached = Math.min(tokens.cached, tokens.prompt);
  const uncached = tokens.prompt - cached;
  const cachedRate = pricing.cachedInput ?? pricing.input;
  return (uncached * pricing.input + cached * cachedRate + tokens.completion * pricing.output) / 1_000_000;
}

export interface SessionUsage {
  readonly steps: number;
  readonly tokens: TokenUsage;
  /** US dollars. */
  readonly cost: number;
  /** Per model name. */
  readonly byModel: Readonly<Record<string, { readonly steps: number; readonly tokens: TokenUsage; readonly cost: number }>>;
}

/** Accumulates usage and cost over a session (every generate call made through one Llm). */
export class CostMeter {
  #steps = 0;
  #tokens: TokenUsage = ZERO_TOKENS;
  #cost = 0;
  #byModel = new Map<string, { steps: number; tokens: TokenUsage; cost: number }>();

  /** Record one step; steps without usage count as a step with no tokens. */
  add(model: string, tokens: TokenUsage | undefined, cost: number | undefined): void {
    this.#steps++;
    const t = tokens ?? ZERO_TOKENS;
    this.#tokens = addTokens(this.#tokens, t);
    this.#cost += cost ?? 0;
    const m = this.#byModel.get(model) ?? { steps: 0, tokens: ZERO_TOKENS, cost: 0 };
    this.#byModel.set(model, { steps: m.steps + 1, tokens: addTokens(m.tokens, t), cost: m.cost + (cost ?? 0) });
  }

  snapshot(): SessionUsage {
    return { steps: this.#steps, tokens: this.#tokens, cost: this.#cost, byModel: Object.fromEntries(this.#byModel) };
  }
}
