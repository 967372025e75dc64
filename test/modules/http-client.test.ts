// http_client against a local server on 127.0.0.1 (allowed through the net allow list): verbs, options,
// response shape, size cap, timeout, redirects; and egress refusals that happen before any connection.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeUri, encodeUri, httpClientModule } from '../../src/modules/http-client.js';
import type { GuestValue } from '../../src/modules/module-spec.js';
import { makeContext } from './context.js';

let server: Server;
let base: string;
let port: number;
const hits: string[] = [];
let release: (() => void) | undefined;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  hits.push(`${req.method} ${url.pathname}`);
  const body = await readBody(req);
  switch (url.pathname) {
    case '/echo':
      res.setHeader('content-type', 'application/json');
      res.setHeader('set-cookie', ['session=abc; Path=/', 'theme=dark']);
      res.end(JSON.stringify({ method: req.method, query: Object.fromEntries(url.searchParams), headers: req.headers, body }));
      return;
    case '/missing':
      res.statusCode = 404;
      res.end('no such thing');
      return;
    case '/binary':
      res.end(Buffer.from([0xff, 0x00, 0xfe]));
      return;
    case '/big':
      res.end(Buffer.alloc(4096, 0x61));
      return;
    case '/stream-big': // no content-length: the cap must trip while reading
      res.write(Buffer.alloc(3000, 0x62));
      res.end(Buffer.alloc(3000, 0x62));
      return;
    case '/hang':
      release = () => res.end('late');
      return;
    case '/redirect-ok':
      res.statusCode = 302;
      res.setHeader('location', '/echo?from=redirect');
      res.end();
      return;
    case '/redirect-evil':
      res.statusCode = 302;
      res.setHeader('location', url.searchParams.get('to') ?? 'http://10.0.0.1/');
      res.end();
      return;
    default:
      res.statusCode = 500;
      res.end();
  }
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  release?.();
  await new Promise((resolve) => server.close(resolve));
});

const allowed = () => makeContext({ services: { net: { allow: [`127.0.0.1:${port}`] } } });
const fns = httpClientModule.functions;
const run = (name: string, ctx: ReturnType<typeof makeContext>, ...args: GuestValue[]) => Promise.resolve(fns[name]!(ctx, ...args));
type Resp = { status_code: number; body: string; headers: Record<string, string>; cookies: Record<string, string>; url: string };

describe('http_client', () => {
  it('GETs with headers, query, cookies and basic auth, and returns the Wippy response shape', async () => {
    const r = (await run('get', allowed(), `${base}/echo`, {
      headers: { 'X-Test': 'yes', 'X-Dropped': 5 },
      query: { q: 'a b', page: 2 },
      cookies: { c1: 'v1' },
      auth: { user: 'u', pass: 'p' },
    })) as Resp;
    expect(r.status_code).toBe(200);
    expect(r.headers['Content-Type']).toBe('application/json');
    expect(r.cookies).toEqual({ session: 'abc', theme: 'dark' });
    expect(r.url).toBe(`${base}/echo?q=a+b`);
    const echo = JSON.parse(r.body);
    expect(echo.method).toBe('GET');
    expect(echo.query).toEqual({ q: 'a b' }); // non-string values are dropped, as in Wippy
    expect(echo.headers['x-test']).toBe('yes');
    expect(echo.headers['x-dropped']).toBeUndefined();
    expect(echo.headers.cookie).toBe('c1=v1');
    expect(echo.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('POSTs a form and a JSON body; request() takes any method', async () => {
    const form = JSON.parse(((await run('post', allowed(), `${base}/echo`, { form: { a: '1', b: 'x y' } })) as Resp).body);
    expect(form.body).toBe('a=1&b=x+y');
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const json = JSON.parse(
      ((await run('post', allowed(), `${base}/echo`, { body: '{"k":1}', headers: { 'Content-Type': 'application/json' } })) as Resp).body,
    );
    expect(json.body).toBe('{"k":1}');
    expect(json.headers['content-type']).toBe('application/json');
    const put = JSON.parse(((await run('request', allowed(), 'PUT', `${base}/echo`, { body: 'p' })) as Resp).body);
    expect(put.method).toBe('PUT');
  });

  it('sends files (and form fields) as multipart/form-data', async () => {
    const r = (await run('post', allowed(), `${base}/echo`, {
      form: { note: 'hi' },
      files: [{ name: 'upload', filename: 'a.bin', content: new Uint8Array([0x41, 0x42]) }],
    })) as Resp;
    const echo = JSON.parse(r.body);
    expect(echo.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(echo.body).toContain('name="note"\r\n\r\nhi\r\n');
    expect(echo.body).toContain('name="upload"; filename="a.bin"');
    expect(echo.body).toContain('\r\n\r\nAB\r\n');
  });

  it('returns non-2xx statuses as responses, not errors; binary bodies as bytes', async () => {
    const r = (await run('get', allowed(), `${base}/missing`)) as Resp;
    expect(r.status_code).toBe(404);
    expect(r.body).toBe('no such thing');
    const bin = (await run('get', allowed(), `${base}/binary`)) as unknown as { body: Uint8Array };
    expect(bin.body).toBeInstanceOf(Uint8Array);
    expect([...bin.body]).toEqual([0xff, 0x00, 0xfe]);
  });

  it('follows an allowed redirect and reports the final url', async () => {
    const r = (await run('get', allowed(), `${base}/redirect-ok`)) as Resp;
    expect(r.status_code).toBe(200);
    expect(r.url).toBe(`${base}/echo?from=redirect`);
  });

  it('fails with Invalid when the body exceeds max_response_body (declared or streamed)', async () => {
    await expect(run('get', allowed(), `${base}/big`, { max_response_body: 1000 })).rejects.toMatchObject({ kind: 'Invalid' });
    await expect(run('get', allowed(), `${base}/stream-big`, { max_response_body: 4000 })).rejects.toMatchObject({ kind: 'Invalid' });
    const ok = (await run('get', allowed(), `${base}/big`, { max_response_body: 5000 })) as Resp;
    expect(ok.body.length).toBe(4096);
  });

  it('fails with Timeout (retryable) when the server does not answer in time', async () => {
    await expect(run('get', allowed(), `${base}/hang`, { timeout: '150ms' })).rejects.toMatchObject({ kind: 'Timeout', retryable: true });
  });

  it('caps the request timeout by the call deadline', async () => {
    const ctx = makeContext({ deadline: Date.now() + 100, services: { net: { allow: [`127.0.0.1:${port}`] } } });
    await expect(run('get', ctx, `${base}/hang`, { timeout: 30 })).rejects.toMatchObject({ kind: 'Timeout' });
  });

  it('runs request_batch in parallel with errors aligned to requests', async () => {
    const out = (await run('request_batch', allowed(), [
      ['GET', `${base}/echo`],
      { method: 'GET', url: 'http://10.0.0.1/' },
    ])) as { __multi: [(Resp | null)[], ({ kind: string } | null)[]] };
    const [responses, errors] = out.__multi;
    expect(responses[0]!.status_code).toBe(200);
    expect(responses[1]).toBeNull();
    expect(errors[0]).toBeNull();
    expect(errors[1]!.kind).toBe('PermissionDenied');
  });

  it('rejects bad arguments with Invalid', async () => {
    await expect(run('get', allowed(), 'not a url')).rejects.toMatchObject({ kind: 'Invalid' });
    await expect(run('get', allowed(), `${base}/echo`, { timeout: 'soon' })).rejects.toMatchObject({ kind: 'Invalid' });
    await expect(run('get', allowed(), `${base}/echo`, { unix_socket: '/tmp/x' })).rejects.toMatchObject({ kind: 'Invalid' });
  });

  it('encodes and decodes like Go url.QueryEscape / QueryUnescape', () => {
    expect(encodeUri("a b&c=d/é!'()*~")).toBe('a+b%26c%3Dd%2F%C3%A9%21%27%28%29%2A~');
    expect(decodeUri('a+b%26c%3Dd%2F%C3%A9')).toBe('a b&c=d/é');
    expect(() => decodeUri('%zz')).toThrow(expect.objectContaining({ kind: 'Invalid' }) as never);
    expect(httpClientModule.remote).not.toContain('encode_uri');
  });
});

describe('http_client egress guard (refused before any connection)', () => {
  const denied = makeContext({ services: { net: { allow: [] } } });
  const before = () => hits.length;

  it.each([
    ['loopback without allow', () => `${base}/echo`],
    ['private 10/8', () => 'http://10.0.0.1/'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', () => `http://[::1]:${port}/echo`],
    ['a hostname resolving to loopback', () => `http://localhost:${port}/echo`],
    ['metadata host name', () => 'http://metadata.google.internal/'],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${port}/echo`],
  ])('refuses %s', async (_name, url) => {
    const n = before();
    await expect(run('get', denied, url())).rejects.toMatchObject({ kind: 'PermissionDenied' });
    expect(hits.length).toBe(n);
  });

  it('refuses localhost even when 127.0.0.1 is allowed (the allow list matches the host as written)', async () => {
    await expect(run('get', allowed(), `http://localhost:${port}/echo`)).rejects.toMatchObject({ kind: 'PermissionDenied' });
  });

  it('refuses an allowed port-specific host on another port', async () => {
    await expect(run('get', allowed(), `http://127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}/`)).rejects.toMatchObject({
      kind: 'PermissionDenied',
    });
  });

  it.each([
    ['a private address', 'http://10.0.0.1/'],
    ['the metadata address', 'http://169.254.169.254/'],
    ['loopback on another port', 'http://127.0.0.1:1/'],
  ])('re-checks each redirect hop: refuses a redirect to %s', async (_name, to) => {
    const n = before();
    await expect(run('get', allowed(), `${base}/redirect-evil?to=${encodeURIComponent(to)}`)).rejects.toMatchObject({
      kind: 'PermissionDenied',
    });
    expect(hits.length).toBe(n + 1); // only the allowed first hop reached a server
  });

  it('refuses a URL the call scope denies (action http_client.request), before connecting', async () => {
    const seen: string[] = [];
    const scope = {
      evaluate: (_a: unknown, action: string, resource: string) => {
        seen.push(`${action} ${resource}`);
        return 'deny' as const;
      },
    };
    const ctx = makeContext({ services: { net: { allow: [`127.0.0.1:${port}`] }, scope } });
    const n = before();
    await expect(run('get', ctx, `${base}/echo`)).rejects.toMatchObject({ kind: 'PermissionDenied' });
    expect(seen).toEqual([`http_client.request ${base}/echo`]);
    expect(hits.length).toBe(n);
  });

  it('reads the allow list from MICRO_AGI_NET_ALLOW when no net service is given', async () => {
    const saved = process.env.MICRO_AGI_NET_ALLOW;
    process.env.MICRO_AGI_NET_ALLOW = `other.example, 127.0.0.1:${port}`;
    try {
      const r = (await run('get', makeContext(), `${base}/echo`)) as Resp;
      expect(r.status_code).toBe(200);
    } finally {
      if (saved === undefined) delete process.env.MICRO_AGI_NET_ALLOW;
      else process.env.MICRO_AGI_NET_ALLOW = saved;
    }
  });
});
