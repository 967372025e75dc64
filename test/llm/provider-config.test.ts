// Reading provider settings from an environment object (the only place env is read), and the
// retry-policy arithmetic that does not need a server.
import { describe, expect, it } from 'vitest';
import { providerConfigFromEnv } from '../../src/llm/provider-config.js';
import { backoffDelay, decideRetry, retryOptions } from '../../src/llm/retry-policy.js';
import { retryAfterMs } from '../../src/llm/error-classifier.js';
import { llmError } from '../../src/llm/llm-error.js';

describe('provider config from env', () => {
  it('reads key, base URL (trailing slash dropped), organization and timeout in seconds', () => {
    expect(providerConfigFromEnv({ OPENAI_API_KEY: 'sk-1', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1/', OPENAI_ORGANIZATION: 'org', OPENAI_TIMEOUT: '90' })).toEqual({
      apiKey: 'sk-1',
      apiKeySource: 'OPENAI_API_KEY',
      baseURL: 'http://127.0.0.1:11434/v1',
      organization: 'org',
      timeoutMs: 90_000,
    });
  });

  it('leaves unset variables out', () => {
    expect(providerConfigFromEnv({})).toEqual({ apiKeySource: 'OPENAI_API_KEY' });
  });

  it('rejects a non-numeric timeout, naming the variable', () => {
    expect(() => providerConfigFromEnv({ OPENAI_TIMEOUT: 'soon' })).toThrow(/OPENAI_TIMEOUT must be a positive number of seconds, got "soon"/);
  });
});

describe('retry policy', () => {
  const o = retryOptions({ baseDelayMs: 500, maxDelayMs: 3000, random: () => 0 });
  const state = { attempts: 1, waitedMs: 0, chunksReceived: 0 };

  it('doubles the delay per retry up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, o))).toEqual([500, 1000, 2000, 3000, 3000]);
  });

  it('honours Retry-After over the computed backoff', () => {
    expect(decideRetry(llmError('rate_limit', 'x'), 7000, state, o)).toEqual({ retry: true, delayMs: 7000 });
  });

  it('refuses once the stream started, for non-retryable errors, and when attempts run out', () => {
    expect(decideRetry(llmError('server', 'x'), undefined, { ...state, chunksReceived: 1 }, o)).toEqual({ retry: false, reason: 'stream_started' });
    expect(decideRetry(llmError('authentication', 'x'), undefined, state, o)).toEqual({ retry: false, reason: 'not_retryable' });
    expect(decideRetry(llmError('server', 'x'), undefined, { ...state, attempts: 4 }, o)).toEqual({ retry: false, reason: 'attempts_exhausted' });
  });

  it('parses Retry-After as seconds, milliseconds or an HTTP date', () => {
    expect(retryAfterMs({ 'retry-after': '3' })).toBe(3000);
    expect(retryAfterMs({ 'retry-after-ms': '250' })).toBe(250);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterMs({ 'retry-after': 'garbage' })).toBeUndefined();
  });

  it('rejects nonsense options', () => {
    expect(() => retryOptions({ maxAttempts: 0 })).toThrow(/maxAttempts must be >= 1/);
  });
});
