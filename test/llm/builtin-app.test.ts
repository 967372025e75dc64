// The built-in app's own model and provider entries (src/app/_index.yaml) work with the LLM layer:
// they validate, resolve, and reach an OpenAI-compatible server configured only through env.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { builtinAppDir } from '../../src/paths.js';
import { parseYamlFile } from '../../src/registry/loader-yaml.js';
import { createLlm } from '../../src/llm/llm.js';
import { providerConfigFromEnv } from '../../src/llm/provider-config.js';
import { resolveModel } from '../../src/llm/model-resolver.js';
import { reply, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

/** Entries as Wippy defines them: fields other than name/kind/meta are the entry's data. */
function builtinEntries(): Entry[] {
  const file = join(builtinAppDir(), '_index.yaml');
  const doc = parseYamlFile(file, readFileSync(file, 'utf8')).value as { namespace: string; entries: Record<string, unknown>[] };
  return doc.entries.map(({ name, kind, meta, ...data }) => ({ id: `${doc.namespace}:${String(name)}`, kind: String(kind), meta: (meta ?? {}) as Record<string, unknown>, data }));
}

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI();
});
afterEach(() => fake.close());

describe('built-in app models', () => {
  it('resolve: gpt-5.1 for reasoning, gpt-4.1-nano for compression', () => {
    const entries = builtinEntries();
    const main = resolveModel(entries, 'gpt-5.1');
    expect(main).toMatchObject({ maxTokens: 128000, outputTokens: 32768, pricing: { input: 2.5, output: 10 }, classes: ['reasoning'] });
    expect(main.providers[0]).toEqual({ id: 'app:openai', providerModel: 'gpt-5.1', options: { reasoning_model_request: true, thinking_effort: 10 } });
    expect(resolveModel(entries, 'compression').name).toBe('gpt-4.1-nano');
  });

  it('reach the server named by OPENAI_BASE_URL with OPENAI_API_KEY, reasoning effort mapped', async () => {
    const llm = createLlm({ models: builtinEntries(), env: { OPENAI_API_KEY: 'sk-from-env', OPENAI_BASE_URL: fake.url } });
    fake.script(reply.text('hello'));
    const out = await llm.generate('hi', { model: 'gpt-5.1', maxTokens: 2048 });
    expect(out.ok && out.response.result).toBe('hello');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-from-env');
    expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-5.1', reasoning_effort: 'low', max_completion_tokens: 2048 });
  });

  it('say which variable to set when the key is missing', async () => {
    const llm = createLlm({ models: builtinEntries(), env: { OPENAI_BASE_URL: fake.url } });
    const out = await llm.generate('hi', { model: 'gpt-5.1' });
    expect(!out.ok && out.error.message).toMatch(/set OPENAI_API_KEY/);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('provider entry options', () => {
  it('read the variables an llm.provider entry names, or direct values', () => {
    const env = { MY_KEY: 'k1', MY_URL: 'http://h:1/v1', OPENAI_API_KEY: 'ignored' };
    expect(providerConfigFromEnv(env, { api_key_env: 'MY_KEY', base_url_env: 'MY_URL', timeout: 30 })).toEqual({
      apiKey: 'k1',
      apiKeySource: 'MY_KEY',
      baseURL: 'http://h:1/v1',
      timeoutMs: 30_000,
    });
    expect(providerConfigFromEnv({}, { api_key_env: 'none', base_url: 'http://127.0.0.1:11434/v1' })).toMatchObject({
      apiKey: 'none',
      baseURL: 'http://127.0.0.1:11434/v1',
    });
  });
});
