// compressToSize: shrink text to about `chars` characters with a (cheap) model — one summarising call,
// map-reduce over chunks when the text exceeds the model's window, then at most two length-fixing calls.
import type { LlmError, TokenUsage } from '../../schemas/llm-messages.js';
import { addTokens, ZERO_TOKENS } from './token-usage.js';
import type { BoundModel } from './llm.js';
import { llmError } from './llm-error.js';
import { logger } from '../log/logger.js';

const log = logger('llm.compress');

export interface CompressOptions {
  readonly signal?: AbortSignal;
  /** Skip the length-fixing calls (default false). */
  readonly skipRefinement?: boolean;
  /** Length-fixing calls at most (default 2). */
  readonly maxRefinements?: number;
  /** Temperature of the summarising call (default 0.2) and of the others (default 0.1). */
  readonly temperature?: number;
  readonly refineTemperature?: number;
  /** Characters shared by neighbouring chunks (default 200). */
  readonly chunkOverlap?: number;
}

export type CompressOutcome =
  | {
      readonly ok: true;
      readonly text: string;
      readonly strategy: 'unchanged' | 'direct' | 'map_reduce';
      /** Model calls made (0 when unchanged). */
      readonly calls: number;
      readonly tokens: TokenUsage;
      readonly cost: number;
    }
  | { readonly ok: false; readonly error: LlmError };

/** Tunables (Wippy compress defaults). */
export const COMPRESS_LIMITS = Object.freeze({
  charsPerToken: 4,
  promptBufferTokens: 500,
  safetyMargin: 0.1,
  chunkRatio: 0.6,
  minTargetChars: 50,
  maxOutputUsage: 0.8,
  lengthTolerance: 0.05,
  minLengthTolerance: 10,
});

/** Characters of input the model can take in one call. */
export function usableInputChars(card: BoundModel['card']): number {
  const L = COMPRESS_LIMITS;
  return Math.max(0, Math.floor((card.maxTokens - card.outputTokens - L.promptBufferTokens) * L.charsPerToken * (1 - L.safetyMargin)));
}

/** Split into pieces of at most `size` chars, overlapping by `overlap`, cutting at paragraph/sentence/word ends. */
export function splitForSummary(text: string, size: number, overlap: number): string[] {
  if (text.length <= size) return [text];
  const ov = Math.min(overlap, Math.floor(size / 4));
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const window = text.slice(start + Math.floor(size * 0.7), end);
      const cut = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('. '), window.lastIndexOf('\n'), window.lastIndexOf(' '));
      if (cut >= 0) end = start + Math.floor(size * 0.7) + cut + 1;
    }
    out.push(text.slice(start, end));
    if (end >= text.length) break;
    start = Math.max(end - ov, start + 1);
  }
  return out;
}

const SUMMARY_RULES =
  'Keep every fact, decision, name, number, identifier, file path, tool name, error and open question needed to continue the work. Drop pleasantries and repetition. Output only the summary text, no preamble.';

/** Compress `text` to about `chars` characters. On failure the caller keeps its original: nothing is lost. */
export async function compressToSize(model: BoundModel, text: string, chars: number, options: CompressOptions = {}): Promise<CompressOutcome> {
  const card = model.card;
  const L = COMPRESS_LIMITS;
  const maxTarget = Math.floor(L.maxOutputUsage * card.outputTokens * L.charsPerToken);
  if (!Number.isFinite(chars) || chars < L.minTargetChars || chars > maxTarget) {
    return {
      ok: false,
      error: llmError('invalid_request', `Compression target ${chars} chars is out of range for model "${card.name}": choose ${L.minTargetChars}..${maxTarget} chars (80% of its ${card.outputTokens} output tokens).`, {
        model: card.name,
        retryable: false,
      }),
    };
  }
  if (text.length <= chars) return { ok: true, text, strategy: 'unchanged', calls: 0, tokens: ZERO_TOKENS, cost: 0 };

  let calls = 0;
  let tokens: TokenUsage = ZERO_TOKENS;
  let cost = 0;
  const call = async (system: string, user: string, target: number, temperature: number): Promise<{ ok: true; text: string } | { ok: false; error: LlmError }> => {
    calls++;
    const out = await model.generate(
      [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      {
        temperature,
        maxTokens: Math.min(card.outputTokens, Math.ceil(target / L.charsPerToken) + 200),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    if (!out.ok) return out;
    if (out.response.tokens) tokens = addTokens(tokens, out.response.tokens);
    cost += out.response.cost ?? 0;
    const summary = out.response.result.trim();
    if (!summary) {
      return { ok: false, error: llmError('malformed_response', `Compression model "${card.name}" returned an empty summary; the original text was kept.`, { model: card.name, retryable: true }) };
    }
    return { ok: true, text: summary };
  };

  const usable = usableInputChars(card);
  const t = options.temperature ?? 0.2;
  const rt = options.refineTemperature ?? 0.1;
  let summary: string;
  let strategy: 'direct' | 'map_reduce';
  if (text.length <= usable || usable <= 0) {
    strategy = 'direct';
    const r = await call(`You are a professional summarizer. ${SUMMARY_RULES}\nTARGET LENGTH: about ${chars} characters, never more.`, text, chars, t);
    if (!r.ok) return r;
    summary = r.text;
  } else {
    strategy = 'map_reduce';
    const chunks = splitForSummary(text, Math.floor(usable * L.chunkRatio), options.chunkOverlap ?? 200);
    const per = Math.max(L.minTargetChars, Math.floor(chars / chunks.length));
    const parts: string[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const r = await call(
        `You are a professional summarizer. This is part ${i + 1} of ${chunks.length} of a longer text. ${SUMMARY_RULES}\nTARGET LENGTH: about ${per} characters, never more.`,
        chunk,
        per,
        t,
      );
      if (!r.ok) return r;
      parts.push(r.text);
    }
    const r = await call(
      `You are a professional summarizer. Merge these ${parts.length} partial summaries, given in order, into one summary. ${SUMMARY_RULES}\nTARGET LENGTH: about ${chars} characters, never more.`,
      parts.map((p, i) => `--- part ${i + 1} ---\n${p}`).join('\n\n'),
      chars,
      rt,
    );
    if (!r.ok) return r;
    summary = r.text;
  }

  if (!options.skipRefinement) {
    const tolerance = Math.max(L.minLengthTolerance, Math.floor(chars * L.lengthTolerance));
    for (let i = 0; i < (options.maxRefinements ?? 2) && Math.abs(summary.length - chars) > tolerance; i++) {
      const direction = summary.length > chars ? 'Shorten' : 'Expand';
      const r = await call(
        `You adjust summaries to a length. ${direction} the text to about ${chars} characters (it has ${summary.length}). ${SUMMARY_RULES}`,
        summary,
        chars,
        rt,
      );
      if (!r.ok) {
        log.warn({ model: card.name, type: r.error.type }, 'length-fixing call failed; keeping the previous summary');
        break;
      }
      summary = r.text;
    }
  }
  return { ok: true, text: summary, strategy, calls, tokens, cost };
}

