// The `url` module (micro-agi's own; Wippy has none): parse a URL into parts and build it back, encode and
// decode components, encode and decode query strings. RFC 3986 splitting, Go-style query escaping ('+').
import { ArgumentFailure, ModuleFailure, type GuestValue, type ModuleSpec } from './module-spec.js';
import { isPlainObject, toText, typeName } from './bytes.js';

const SPLIT = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

/** RFC 3986 component encoding: everything but ALPHA DIGIT - . _ ~ is percent-encoded (space -> %20). */
export function encodeComponent(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodePercent(s: string, plusIsSpace: boolean): string {
  const t = plusIsSpace ? s.replace(/\+/g, ' ') : s;
  const bad = /%(?![0-9A-Fa-f]{2})/.exec(t);
  if (bad) throw new ModuleFailure('Invalid', `invalid URL escape ${JSON.stringify(t.slice(bad.index, bad.index + 3))}`);
  try {
    return decodeURIComponent(t);
  } catch {
    throw new ModuleFailure('Invalid', `invalid URL encoding in ${JSON.stringify(s.slice(0, 80))} (not UTF-8)`);
  }
}

/** Go url.QueryEscape: component encoding with space as '+'. */
function queryEscape(s: string): string {
  return encodeComponent(s).replace(/%20/g, '+');
}

function scalar(v: GuestValue, key: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return toText(v);
  throw new ArgumentFailure(`query value for "${key}": string, number or boolean expected, got ${typeName(v)}`);
}

export function queryEncode(table: GuestValue): string {
  if (!isPlainObject(table) && !(Array.isArray(table) && table.length === 0)) throw new ArgumentFailure(`query: table expected, got ${typeName(table)}`);
  const obj = (Array.isArray(table) ? {} : table) as Record<string, GuestValue>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key]!;
    const list = Array.isArray(v) ? v : [v];
    for (const item of list) if (item !== null) parts.push(`${queryEscape(key)}=${queryEscape(scalar(item, key))}`);
  }
  return parts.join('&');
}

export function queryDecode(text: string): Record<string, GuestValue> {
  const out: Record<string, GuestValue> = {};
  const s = text.startsWith('?') ? text.slice(1) : text;
  for (const pair of s.split(/[&]/)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodePercent(eq < 0 ? pair : pair.slice(0, eq), true);
    const value = eq < 0 ? '' : decodePercent(pair.slice(eq + 1), true);
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

export function parseUrl(raw: string): Record<string, GuestValue> {
  if (/[\x00-\x1f\x7f ]/.test(raw)) throw new ModuleFailure('Invalid', `invalid URL ${JSON.stringify(raw.slice(0, 80))}: contains spaces or control characters`);
  const m = SPLIT.exec(raw);
  if (!m) throw new ModuleFailure('Invalid', `invalid URL ${JSON.stringify(raw.slice(0, 80))}`);
  const [, scheme, authority, path, query, fragment] = m;
  const out: Record<string, GuestValue> = {
    scheme: scheme ? scheme.toLowerCase() : '',
    host: '',
    port: null,
    path: path ?? '',
    query: queryDecode(query ?? ''),
    raw_query: query ?? '',
    fragment: fragment === undefined ? '' : decodePercent(fragment, false),
  };
  if (authority !== undefined) {
    let hostport = authority;
    const at = authority.lastIndexOf('@');
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      hostport = authority.slice(at + 1);
      const colon = userinfo.indexOf(':');
      out.user = decodePercent(colon < 0 ? userinfo : userinfo.slice(0, colon), false);
      if (colon >= 0) out.password = decodePercent(userinfo.slice(colon + 1), false);
    }
    const hm = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(\d*))?$/.exec(hostport);
    if (!hm) throw new ModuleFailure('Invalid', `invalid URL ${JSON.stringify(raw.slice(0, 80))}: bad host or port ${JSON.stringify(hostport)}`);
    out.host = hm[1]!.toLowerCase();
    if (hm[2]) {
      const port = Number(hm[2]);
      if (port > 65535) throw new ModuleFailure('Invalid', `invalid port ${hm[2]}`);
      out.port = port;
    }
  }
  return out;
}

function str(parts: Record<string, GuestValue>, key: string): string {
  const v = parts[key];
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return String(v);
  return toText(v, key);
}

export function buildUrl(parts: GuestValue): string {
  if (!isPlainObject(parts)) throw new ArgumentFailure(`parts: table expected, got ${typeName(parts)}`);
  const p = parts as Record<string, GuestValue>;
  const scheme = str(p, 'scheme');
  const host = str(p, 'host');
  let out = scheme ? `${scheme}:` : '';
  if (host || scheme === 'file' || p.user != null) {
    out += '//';
    if (p.user != null) {
      out += encodeComponent(str(p, 'user'));
      if (p.password != null) out += `:${encodeComponent(str(p, 'password'))}`;
      out += '@';
    }
    out += host;
    if (p.port !== undefined && p.port !== null && p.port !== '') out += `:${str(p, 'port')}`;
  }
  let path = str(p, 'path');
  if (path && host && !path.startsWith('/')) path = `/${path}`;
  out += path;
  const q = p.query;
  const qs = q === undefined || q === null ? str(p, 'raw_query') : typeof q === 'string' ? q.replace(/^\?/, '') : queryEncode(q);
  if (qs) out += `?${qs}`;
  const fragment = str(p, 'fragment');
  if (fragment) out += `#${encodeURI(fragment).replace(/#/g, '%23')}`;
  return out;
}

export const urlModule: ModuleSpec = {
  name: 'url',
  summary: 'URL parsing and building, component encoding/decoding and query strings (micro-agi addition; not in Wippy).',
  functions: {
    parse: (_ctx, raw) => parseUrl(toText(raw ?? null, 'url')),
    build: (_ctx, parts) => buildUrl(parts ?? null),
    encode: (_ctx, s) => encodeComponent(toText(s ?? null, 's')),
    decode: (_ctx, s) => decodePercent(toText(s ?? null, 's'), false),
    query_encode: (_ctx, table) => queryEncode(table ?? null),
    query_decode: (_ctx, s) => queryDecode(toText(s ?? null, 's')),
  },
};
