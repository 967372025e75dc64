// The fetch the openai SDK client is given (node:http with keep-alive): status, headers and a streamed body
// pass through; abort closes the connection; gzip is decoded; redirects and other bodies go to the fallback.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeHttpFetch, nodeHttpFetch } from '../../src/llm/node-http-fetch.js';
import { reply, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

let fake: FakeOpenAI;
beforeEach(async () => {
  fake = await startFakeOpenAI();
});
afterEach(async () => {
  await fake.close();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('nodeHttpFetch', () => {
  it('posts the body and headers and streams the SSE reply with its status and headers', async () => {
    fake.script(reply.text('Hi there', { chunkSize: 3 }));
    const res = await nodeHttpFetch(`${fake.url}/chat/completions`, {
      method: 'post',
      headers: new Headers({ 'content-type': 'application/json', authorization: 'Bearer k' }),
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(res.headers.get('x-request-id')).toBe('req_fake_1');
    const text = await res.text();
    expect(text).toContain('"content":"Hi "');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(fake.requests[0]!.method).toBe('POST');
    expect(fake.requests[0]!.headers['authorization']).toBe('Bearer k');
    expect(fake.requests[0]!.body).toEqual({ model: 'm', stream: true, messages: [] });
  });

  it('an error status comes back as a response, not a rejection', async () => {
    fake.script(reply.error(429, 'slow down', { headers: { 'retry-after': '2' } }));
    const res = await nodeHttpFetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('slow down');
  });

  it('abort during the body closes the connection and errors the stream', async () => {
    fake.script({ type: 'chat', steps: [{ type: 'text', text: 'partial' }, { type: 'emit', name: 'sent' }, { type: 'hang' }] });
    const ctl = new AbortController();
    const res = await nodeHttpFetch(`${fake.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ stream: true }), signal: ctl.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await fake.reached('sent');
    ctl.abort();
    await expect(reader.read()).rejects.toThrow();
    await fake.requests[0]!.done;
    expect(fake.requests[0]!.closedByClient).toBe(true);
  });

  it('an aborted signal rejects before any request is made', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await expect(nodeHttpFetch(`${fake.url}/chat/completions`, { method: 'POST', body: '{}', signal: ctl.signal })).rejects.toThrow(/abort/i);
    expect(fake.requests).toHaveLength(0);
  });

  it('a refused connection rejects with the connect error', async () => {
    const dead = await serve(() => {});
    await dead.close();
    await expect(nodeHttpFetch(`${dead.url}/v1/chat/completions`, { method: 'POST', body: '{}' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('decodes a gzip body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ ok: 'yes' })));
    });
    try {
      const res = await nodeHttpFetch(`${server.url}/x`);
      expect(await res.json()).toEqual({ ok: 'yes' });
    } finally {
      await server.close();
    }
  });

  it('hands redirects and non-string bodies to the fallback fetch', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(307, { location: '/new' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`at ${req.url}`);
      }
    });
    const seen: string[] = [];
    const fetch = createNodeHttpFetch({
      fallback: (input, init) => {
        seen.push(String(input));
        return globalThis.fetch(input, init);
      },
    });
    try {
      const redirected = await fetch(`${server.url}/old`, { method: 'POST', body: 'x' });
      expect(await redirected.text()).toBe('at /new');
      const streamed = await fetch(`${server.url}/stream`, { method: 'POST', body: new Blob(['x']) });
      expect(await streamed.text()).toBe('at /stream');
      expect(seen).toEqual([`${server.url}/new`, `${server.url}/stream`]);
    } finally {
      await server.close();
    }
  });
});
