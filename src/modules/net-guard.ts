// Egress control for tool HTTP: classify addresses (loopback, private, link-local, metadata...), match the
// net allow list (`host` or `host:port`), resolve DNS and return the one verified address to connect to.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Which destinations tools may reach beyond the public internet. */
export interface NetPolicy {
  /** `host` (any port) or `host:port` entries, matched against the URL's host as written. `[::1]:8080` for IPv6. */
  readonly allow: readonly string[];
}

/** The service name under which the supervisor passes a NetPolicy to remote functions (ctx.services.net). */
export const NET_SERVICE = 'net';
export const NET_ALLOW_ENV = 'MICRO_AGI_NET_ALLOW';

/** Parse a comma-separated allow list (config `net.allow` as text, or MICRO_AGI_NET_ALLOW). */
export function parseAllowList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The policy from config `net.allow` (list or comma text) merged with MICRO_AGI_NET_ALLOW. */
export function netPolicyFrom(allow?: readonly string[] | string, env: NodeJS.ProcessEnv = process.env): NetPolicy {
  const fromConfig = typeof allow === 'string' ? parseAllowList(allow) : [...(allow ?? [])];
  return { allow: [...new Set([...fromConfig, ...parseAllowList(env[NET_ALLOW_ENV])])] };
}

export type BlockedReason = 'loopback' | 'private' | 'link-local' | 'unspecified' | 'multicast' | 'metadata' | 'reserved';

const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', 'metadata']);
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

function ranges(entries: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']>): BlockList {
  const list = new BlockList();
  for (const [net, prefix, type] of entries) list.addSubnet(net, prefix, type);
  return list;
}

const BLOCKED: ReadonlyArray<readonly [BlockedReason, BlockList]> = [
  ['unspecified', ranges([['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6']])],
  ['loopback', ranges([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']])],
  ['link-local', ranges([['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']])],
  [
    'private',
    ranges([
      ['10.0.0.0', 8, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'],
      ['fc00::', 7, 'ipv6'],
    ]),
  ],
  ['multicast', ranges([['224.0.0.0', 4, 'ipv4'], ['ff00::', 8, 'ipv6']])],
  [
    'reserved',
    ranges([
      ['192.0.0.0', 24, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      ['100::', 64, 'ipv6'],
    ]),
  ],
];

/** The IPv4 address inside an IPv4-mapped / NAT64 IPv6 address, if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Why `address` (an IP literal) must not be reached without an allow-list entry, or undefined when public. */
export function blockedReason(address: string): BlockedReason | undefined {
  const family = isIP(address);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return blockedReason(v4);
  }
  const canonical = family === 6 ? address.toLowerCase() : address;
  if (METADATA_ADDRESSES.has(canonical)) return 'metadata';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [reason, list] of BLOCKED) if (list.check(address, type)) return reason;
  return undefined;
}

/** URL host without IPv6 brackets, lower-cased. */
export function bareHost(hostname: string): string {
  const h = hostname.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** True when the allow list admits `host` (as written in the URL) on `port`. */
export function isAllowed(policy: NetPolicy, host: string, port: number): boolean {
  const h = bareHost(host);
  for (const raw of policy.allow) {
    const entry = raw.trim().toLowerCase();
    let allowHost = entry;
    let allowPort: number | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracket) {
      allowHost = bracket[1]!;
      allowPort = bracket[2] ? Number(bracket[2]) : undefined;
    } else if (entry.split(':').length === 2) {
      const [hPart, pPart] = entry.split(':');
      allowHost = hPart!;
      allowPort = Number(pPart);
    }
    if (allowHost === h && (allowPort === undefined || allowPort === port)) return true;
  }
  return false;
}

export class NetDenied extends Error {
  readonly code = 'NET_DENIED' as const;
  constructor(
    message: string,
    readonly reason: BlockedReason | 'scheme',
  ) {
    super(message);
  }
}

export interface VerifiedTarget {
  readonly address: string;
  readonly family: 4 | 6;
}

export type LookupAll = (hostname: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

const defaultLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Resolve `url`'s host and check every address it resolves to. Throws NetDenied when any address is
 * refused and the host is not on the allow list; returns the address to pin the connection to.
 */
export async function verifyTarget(url: URL, policy: NetPolicy, lookup: LookupAll = defaultLookup): Promise<VerifiedTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new NetDenied(`not allowed: scheme ${url.protocol}`, 'scheme');
  const host = bareHost(url.hostname);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const allowed = isAllowed(policy, host, port);
  if (!allowed && METADATA_HOSTS.has(host)) throw new NetDenied(`not allowed: cloud metadata host ${host}`, 'metadata');
  const literal = isIP(host);
  const addresses = literal !== 0 ? [{ address: host, family: literal }] : await lookup(host);
  if (addresses.length === 0) throw new Error(`${host}: no address`);
  if (!allowed) {
    for (const a of addresses) {
      const reason = blockedReason(a.address);
      if (reason) {
        const what = reason === 'metadata' ? 'cloud metadata address' : `${reason} IP`;
        throw new NetDenied(`not allowed: ${what} ${a.address} (host ${host}); allow it with net.allow or ${NET_ALLOW_ENV}`, reason);
      }
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
