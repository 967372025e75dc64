// The dry transport: whatever URL the openai client asks for, the answer is the canned "ok" stream from a
// loopback server in this thread, over a real socket; nothing is sent to the URL's host.
import { describe, expect, it } from 'vitest';
import { DRY_SSE, dryFetch } from '../../src/llm/dry-transport.js';
import { OpenAICompatibleProvider } from '../../src/llm/provider.js';
import { startFakeOpenAI } from '../support/fake-openai.js';

describe('dryFetch', () => {
  it('answers a request for an unreachable https host with the canned stream (the host is never contacted)', async () => {
    const res = await dryFetch('https://api.openai.invalid/v1/chat/completions', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(await res.text()).toBe(DRY_SSE);
  });

  it('gives the real provider a streamed "ok" and leaves the configured server untouched', async () => {
    const fake = await startFakeOpenAI();
    try {
      const provider = new OpenAICompatibleProvider({ config: { apiKey: 'dry', baseURL: fake.url }, fetch: dryFetch, retry: { maxAttempts: 1 } });
      const outcome = await provider.generate({ modelName: 'm', providerModel: 'm', messages: [{ role: 'user', content: 'hi' }], options: {} });
      expect(outcome).toMatchObject({ ok: true, response: { result: 'ok' } });
      expect(fake.requests).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});
