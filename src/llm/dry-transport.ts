// The dry transport: every request gets the same streamed one-word answer ("ok") from a loopback HTTP server
// in this thread, through the real client (nodeHttpFetch), so a dry step runs the code a real request does.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHttpFetch, type FetchLike } from './node-http-fetch.js';

const CHUNK = { id: 'dry', object: 'chat.completion.chunk', created: 0, model: 'dry' };
/** The canned reply: one content delta, a stop, usage, [DONE]. */
export const DRY_SSE = [
  { ...CHUNK, choices: [{ index: 0, delta: { role: 'assistant', content: 'ok' }, finish_reason: null }] },
  { ...CHUNK, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  { ...CHUNK, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
]
  .map((c) => `data: ${JSON.stringify(c)}\n\n`)
  .join('')
  .concat('data: [DONE]\n\n');

/** The same reply without a socket (where this thread cannot listen on loopback). */
function inMemory(): Response {
  const bytes = new TextEncoder().encode(DRY_SSE);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

let server: Promise<number | undefined> | undefined;

/** Port of this thread's dry server (started on first use, unref'd: it never keeps the thread alive). */
function dryPort(): Promise<number | undefined> {
  server ??= new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      req.resume();
      req.once('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        res.end(DRY_SSE);
      });
    });
    s.once('error', () => resolve(undefined));
    s.listen(0, '127.0.0.1', () => {
      s.unref();
      resolve((s.address() as AddressInfo).port);
    });
  });
  return server;
}

/** Its own keep-alive agent: dry sockets never sit in the pool real requests use. */
const dryClient = createNodeHttpFetch({ httpAgent: new http.Agent({ keepAlive: true }) });

/**
 * A FetchLike for the openai client that sends nothing anywhere: the request (to whatever base URL) goes to
 * this thread's loopback dry server instead, over a real socket, and the answer is always DRY_SSE.
 */
export const dryFetch: FetchLike = async (input, init) => {
  const port = await dryPort();
  if (port === undefined) return inMemory();
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  return dryClient(`http://127.0.0.1:${port}${url.pathname}${url.search}`, init);
};
