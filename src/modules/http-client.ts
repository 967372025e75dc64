// The `http_client` module (Wippy §2.3): get/post/put/patch/delete/head/request/request_batch run on the
// supervisor behind the egress guard (verified, pinned address per hop); encode_uri/decode_uri run locally.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { randomBytes } from 'node:crypto';
import { isIP, type LookupFunction } from 'node:net';
import { bytesOrText } from './bytes.js';
import { callScope } from './host-services.js';
import { ModuleFailure, multi, type CallContext, type GuestValue, type ModuleSpec } from './module-spec.js';
import { NET_SERVICE, NetDenied, bareHost, netPolicyFrom, verifyTarget, type NetPolicy, type VerifiedTarget } from './net-guard.js';

export const HTTP_DEFAULT_TIMEOUT_MS = 10_000;
export const HTTP_DEFAULT_MAX_BODY = 5 * 1024 * 1024;
const MAX_REDIRECTS = 10;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Table = { readonly [key: string]: GuestValue };

interface RequestPlan {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  timeoutMs: number;
  maxBody: number;
}

interface RawResponse {
  readonly status: number;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

function invalid(message: string): ModuleFailure {
  return new ModuleFailure('Invalid', message);
}

function isTable(value: GuestValue | undefined): value is Table {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array);
}

function text(value: GuestValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  return undefined;
}

/** Wippy takes header/query/form/cookie pairs only when both key and value are strings. */
function stringPairs(value: GuestValue | undefined, what: string): [string, string][] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value) && value.length === 0) return [];
  if (!isTable(value) || Array.isArray(value)) throw invalid(`options.${what} must be a table`);
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out.push([k, v]);
  return out;
}

/** `timeout`: a number of seconds or a duration text like "30s", "500ms", "1m". */
export function parseTimeoutMs(value: GuestValue | undefined): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (!(value > 0)) throw invalid('options.timeout must be positive');
    return value * 1000;
  }
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value) : null;
  if (!m) throw invalid(`options.timeout: expected seconds or a duration like "30s", got ${JSON.stringify(value)}`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return n * (unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000);
}

function multipart(files: GuestValue, fields: [string, string][], headers: Record<string, string>): Buffer {
  if (!Array.isArray(files)) throw invalid('options.files must be an array of {name, filename?, content}');
  const boundary = `micro-agi-${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of fields) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const file of files) {
    if (!isTable(file)) throw invalid('options.files: each file must be a table');
    const name = text(file['name']);
    const content = file['content'];
    if (!name || (typeof content !== 'string' && !(content instanceof Uint8Array))) {
      throw invalid('options.files: each file needs name and content');
    }
    const filename = text(file['filename']) ?? name;
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
          `Content-Type: application/octet-stream\r\n\r\n`,
      ),
      typeof content === 'string' ? Buffer.from(content) : Buffer.from(content),
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
  return Buffer.concat(parts);
}

function plan(ctx: CallContext, method: string, urlValue: GuestValue, optionsValue: GuestValue | undefined): RequestPlan {
  const urlText = text(urlValue);
  if (!urlText) throw invalid('url must be a string');
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw invalid(`invalid url: ${urlText}`);
  }
  const options: Table = optionsValue === undefined || optionsValue === null ? {} : isTable(optionsValue) ? optionsValue : {};
  if (optionsValue !== undefined && optionsValue !== null && !isTable(optionsValue)) throw invalid('options must be a table');
  for (const unsupported of ['stream', 'unix_socket', 'tls', 'overlay_network']) {
    const v = options[unsupported];
    if (v !== undefined && v !== null && v !== false) throw invalid(`options.${unsupported} is not supported by micro-agi`);
  }
  const headers: Record<string, string> = { 'User-Agent': 'micro-agi' };
  for (const [k, v] of stringPairs(options['headers'], 'headers')) headers[k] = v;
  for (const [k, v] of stringPairs(options['query'], 'query')) url.searchParams.append(k, v);
  const cookies = stringPairs(options['cookies'], 'cookies');
  if (cookies.length > 0) headers['Cookie'] = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
  const auth = options['auth'];
  if (isTable(auth)) {
    const user = text(auth['user']) ?? '';
    const pass = text(auth['pass']) ?? '';
    headers['Authorization'] = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  }
  let body: Buffer | undefined;
  const form = stringPairs(options['form'], 'form');
  const files = options['files'];
  if (files !== undefined && files !== null && !(Array.isArray(files) && files.length === 0)) {
    body = multipart(files, form, headers);
  } else if (form.length > 0) {
    body = Buffer.from(new URLSearchParams(form).toString());
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (options['body'] !== undefined && options['body'] !== null) {
    const b = options['body'];
    if (typeof b === 'string') body = Buffer.from(b);
    else if (b instanceof Uint8Array) body = Buffer.from(b);
    else throw invalid('options.body must be a string');
  }
  const wanted = parseTimeoutMs(options['timeout']) ?? HTTP_DEFAULT_TIMEOUT_MS;
  const remaining = ctx.deadline - Date.now();
  if (remaining <= 0) throw new ModuleFailure('Timeout', 'the tool call deadline has passed', { retryable: true });
  const maxBodyValue = options['max_response_body'];
  if (maxBodyValue !== undefined && maxBodyValue !== null && (typeof maxBodyValue !== 'number' || !(maxBodyValue > 0))) {
    throw invalid('options.max_response_body must be a positive number of bytes');
  }
  return {
    method: method.toUpperCase(),
    url,
    headers,
    body,
    timeoutMs: Math.min(wanted, remaining),
    maxBody: typeof maxBodyValue === 'number' ? maxBodyValue : HTTP_DEFAULT_MAX_BODY,
  };
}

function policyOf(ctx: CallContext): NetPolicy {
  const given = ctx.services?.[NET_SERVICE] as NetPolicy | undefined;
  if (given && Array.isArray(given.allow)) return given;
  return netPolicyFrom([]);
}

/** A lookup that only ever answers the verified address: the connection cannot be re-pointed by DNS. */
function pinnedLookup(target: VerifiedTarget): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options && options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as unknown as LookupFunction;
}

function exchange(p: RequestPlan, target: VerifiedTarget, deadline: number): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const host = bareHost(p.url.hostname);
    const mod = p.url.protocol === 'https:' ? https : http;
    const headers = { ...p.headers };
    if (p.body) headers['Content-Length'] = String(p.body.length);
    const req = mod.request({
      protocol: p.url.protocol,
      hostname: host,
      port: p.url.port || undefined,
      path: `${p.url.pathname}${p.url.search}`,
      method: p.method,
      headers,
      agent: false,
      lookup: pinnedLookup(target),
      ...(p.url.protocol === 'https:' && isIP(host) === 0 ? { servername: host } : {}),
    });
    const timer = setTimeout(
      () => fail(new ModuleFailure('Timeout', `${p.method} ${p.url.href}: no complete response within ${Math.round(p.timeoutMs)} ms`, { retryable: true })),
      Math.max(1, deadline - Date.now()),
    );
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (err instanceof ModuleFailure) reject(err);
      else reject(new ModuleFailure('Internal', `${p.method} ${p.url.href}: ${(err as Error).message}`, { retryable: true }));
    };
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      const declared = Number(res.headers['content-length']);
      const tooLarge = (): ModuleFailure =>
        new ModuleFailure('Invalid', `${p.method} ${p.url.href}: response body exceeds max_response_body (${p.maxBody} bytes)`, {
          details: { limit: p.maxBody },
        });
      if (Number.isFinite(declared) && declared > p.maxBody) {
        fail(tooLarge());
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > p.maxBody) fail(tooLarge());
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) });
      });
    });
    req.end(p.body);
  });
}

/** Go's canonical MIME header key: `content-type` -> `Content-Type`. */
export function canonicalHeader(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((w) => (w.length > 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join('-');
}

function toResponse(raw: RawResponse, url: URL): GuestValue {
  const headers: Record<string, GuestValue> = {};
  const cookies: Record<string, GuestValue> = {};
  for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2) {
    const name = canonicalHeader(raw.rawHeaders[i]!);
    const value = raw.rawHeaders[i + 1]!;
    if (!(name in headers)) headers[name] = value;
    if (name === 'Set-Cookie') {
      const pair = value.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
    }
  }
  return {
    status_code: raw.status,
    body: bytesOrText(raw.body),
    body_size: raw.body.length,
    headers,
    cookies,
    url: url.href,
  };
}

async function perform(ctx: CallContext, method: string, urlValue: GuestValue, optionsValue?: GuestValue): Promise<GuestValue> {
  const p = plan(ctx, method, urlValue, optionsValue);
  const policy = policyOf(ctx);
  // Wippy's security action for every request; a policy can deny URLs (it cannot lift the egress guard).
  const scope = callScope(ctx);
  if (scope && scope.evaluate(ctx.actor, 'http_client.request', p.url.href) === 'deny') {
    throw new ModuleFailure('PermissionDenied', `not allowed: http_client.request ${p.url.href} for actor ${ctx.actor.id}`);
  }
  const deadline = Date.now() + p.timeoutMs;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let target: VerifiedTarget;
    try {
      target = await verifyTarget(p.url, policy);
    } catch (err) {
      if (err instanceof NetDenied) throw new ModuleFailure('PermissionDenied', err.message, { details: { reason: err.reason } });
      throw new ModuleFailure('Internal', `cannot resolve ${p.url.hostname}: ${(err as Error).message}`, { retryable: true });
    }
    const raw = await exchange(p, target, deadline);
    const locIndex = REDIRECTS.has(raw.status) ? raw.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'location') : -1;
    if (locIndex < 0) return toResponse(raw, p.url);
    let next: URL;
    try {
      next = new URL(raw.rawHeaders[locIndex + 1]!, p.url);
    } catch {
      throw new ModuleFailure('Internal', `${p.method} ${p.url.href}: bad redirect location`);
    }
    if (next.origin !== p.url.origin) {
      delete p.headers['Authorization'];
      delete p.headers['Cookie'];
    }
    if (raw.status === 303 || ((raw.status === 301 || raw.status === 302) && p.method === 'POST')) {
      if (p.method !== 'HEAD') p.method = 'GET';
      p.body = undefined;
      delete p.headers['Content-Type'];
    }
    p.url = next;
  }
  throw new ModuleFailure('Internal', `${method} ${text(urlValue)}: more than ${MAX_REDIRECTS} redirects`);
}

function verb(method: string) {
  return (ctx: CallContext, url: GuestValue, options?: GuestValue): Promise<GuestValue> => perform(ctx, method, url, options);
}

async function requestBatch(ctx: CallContext, requests: GuestValue): Promise<GuestValue> {
  if (!Array.isArray(requests)) throw invalid('request_batch expects an array of {method, url, options?}');
  const settled = await Promise.allSettled(
    requests.map((r) => {
      if (Array.isArray(r)) return perform(ctx, text(r[0]) ?? '', r[1] ?? null, r[2]);
      if (isTable(r)) return perform(ctx, text(r['method']) ?? '', r['url'] ?? null, r['options']);
      return Promise.reject(invalid('request_batch: each request must be {method, url, options?}'));
    }),
  );
  const responses: GuestValue[] = [];
  const errors: GuestValue[] = [];
  let failed = false;
  for (const s of settled) {
    if (s.status === 'fulfilled') {
      responses.push(s.value);
      errors.push(null);
    } else {
      failed = true;
      responses.push(null);
      const e = s.reason as ModuleFailure;
      errors.push({ kind: e.kind ?? 'Internal', message: e.message, retryable: e.retryable ?? false });
    }
  }
  return multi(responses, failed ? errors : null);
}

/** Go url.QueryEscape: everything but A-Z a-z 0-9 - _ . ~ is %XX-escaped, space becomes "+". */
export function encodeUri(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** Go url.QueryUnescape: "+" is a space, %XX a byte; a bad escape is an error. */
export function decodeUri(s: string): string | Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '+') bytes.push(0x20);
    else if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw invalid(`invalid URL escape "${s.slice(i, i + 3)}"`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else for (const b of Buffer.from(c)) bytes.push(b);
  }
  return bytesOrText(Uint8Array.from(bytes));
}

export const httpClientModule: ModuleSpec = {
  name: 'http_client',
  summary:
    'HTTP requests from tools (get, post, put, patch, delete, head, request, request_batch) returning ' +
    '{status_code, body, headers, cookies, url}; non-2xx statuses are not errors. Loopback, private, link-local ' +
    'and cloud-metadata addresses are refused unless allowed by net.allow; plus encode_uri/decode_uri.',
  functions: {
    get: verb('GET'),
    post: verb('POST'),
    put: verb('PUT'),
    patch: verb('PATCH'),
    delete: verb('DELETE'),
    head: verb('HEAD'),
    request: (ctx, method, url, options) => {
      const m = text(method);
      if (!m || !/^[A-Za-z]+$/.test(m)) throw invalid('request: method must be a word like "GET"');
      return perform(ctx, m, url ?? null, options);
    },
    request_batch: (ctx, requests) => requestBatch(ctx, requests ?? null),
    encode_uri: (_ctx, s) => encodeUri(text(s) ?? (typeof s === 'number' ? String(s) : '')),
    // A bad escape throws ModuleFailure(Invalid): the guest gets `nil, err`.
    decode_uri: (_ctx, s) => decodeUri(text(s) ?? ''),
  },
  remote: ['get', 'post', 'put', 'patch', 'delete', 'head', 'request', 'request_batch'],
};
