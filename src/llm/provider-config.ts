// Connection settings of the OpenAI-compatible provider, and the one place that reads them from env.
// OPENAI_API_KEY / OPENAI_BASE_URL / OPENAI_ORGANIZATION / OPENAI_TIMEOUT (seconds, as in Wippy).
import { AppError } from '../errors/app-error.js';

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Default wait for the first byte and between streamed chunks (Wippy: 600 s for OpenAI). */
export const DEFAULT_TIMEOUT_MS = 600_000;

export interface ProviderConfig {
  /** API key; local servers (Ollama, llama.cpp) accept any non-empty value. */
  readonly apiKey?: string;
  /** Where the key came from, named in authentication errors (default "OPENAI_API_KEY"). */
  readonly apiKeySource?: string;
  /** Base URL ending in /v1 (default https://api.openai.com/v1). */
  readonly baseURL?: string;
  readonly organization?: string;
  /** Milliseconds to wait for the response to start and between streamed chunks (default 600000). */
  readonly timeoutMs?: number;
  /** Extra HTTP headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Config from an environment (pass `process.env`) — the only place the LLM layer reads env.
 * `driverOptions` are an `llm.provider` entry's `driver.options` (Wippy keys): direct values `base_url`,
 * `organization`, `timeout` (seconds), or the names of the variables to read: `api_key_env`,
 * `base_url_env`, `organization_env`, `timeout_env` (defaults OPENAI_*). `api_key_env: none` means the
 * server needs no key (a placeholder is sent). Unset variables are left out.
 */
export function providerConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  driverOptions: Readonly<Record<string, unknown>> = {},
): ProviderConfig {
  const name = (key: string, fallback: string): string => (typeof driverOptions[key] === 'string' ? (driverOptions[key] as string) : fallback);
  const direct = (key: string): string | undefined =>
    typeof driverOptions[key] === 'string' || typeof driverOptions[key] === 'number' ? String(driverOptions[key]) : undefined;
  const keyVar = name('api_key_env', 'OPENAI_API_KEY');
  const out: { -readonly [K in keyof ProviderConfig]: ProviderConfig[K] } = { apiKeySource: keyVar };
  if (keyVar === 'none') out.apiKey = 'none';
  else if (env[keyVar]) out.apiKey = env[keyVar];
  const baseURL = direct('base_url') ?? env[name('base_url_env', 'OPENAI_BASE_URL')];
  if (baseURL) out.baseURL = baseURL.replace(/\/+$/, '');
  const org = direct('organization') ?? env[name('organization_env', 'OPENAI_ORGANIZATION')];
  if (org) out.organization = org;
  const timeoutVar = name('timeout_env', 'OPENAI_TIMEOUT');
  const timeout = direct('timeout') ?? env[timeoutVar];
  if (timeout) {
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new AppError('CONFIG_INVALID', `${direct('timeout') !== undefined ? 'driver option timeout' : timeoutVar} must be a positive number of seconds, got "${timeout}"`);
    }
    out.timeoutMs = Math.round(seconds * 1000);
  }
  return out;
}
