// Pieces both hostile catalogues share: the draft shape of a case, the SSRF targets (addresses the egress
// guard refuses before connecting) and the escape-proof readers for probes that may legitimately finish.
import type { Limits } from '../isolates/types.js';
import type { ContainedKind, Engine, HostileCase, HostileClass } from './stress-types.js';

/** A hostile case before its engine is stamped on. */
export interface CaseDraft {
  readonly name: string;
  readonly hostileClass: HostileClass;
  readonly source: string;
  readonly modules?: readonly string[];
  readonly input?: unknown;
  readonly limits?: Partial<Limits>;
  readonly contained: readonly ContainedKind[];
  readonly escapeProof?: HostileCase['escapeProof'];
}

/**
 * Internal addresses a tool must never reach. Every one is refused by the egress guard before any
 * connection (the stress run never allow-lists them), so no packet leaves the machine.
 */
export const SSRF_TARGETS: ReadonlyArray<readonly [label: string, url: string]> = [
  ['loopback-v4', 'http://127.0.0.1:9/'],
  ['private-10', 'http://10.0.0.1/'],
  ['cloud-metadata', 'http://169.254.169.254/latest/meta-data/'],
  ['loopback-v6', 'http://[::1]:9/'],
  ['localhost-name', 'http://localhost:9/'],
];

/** One SSRF case per target: granted http_client, contained only by the guard's PermissionDenied. */
export function ssrfCases(
  engine: Engine,
  build: (url: string) => { readonly source: string; readonly modules: readonly string[]; readonly input: unknown },
): HostileCase[] {
  return SSRF_TARGETS.map(([label, url]) => ({
    name: `${engine}-ssrf-${label}`,
    hostileClass: 'ssrf',
    engine,
    ...build(url),
    contained: ['ToolError/PermissionDenied'],
  }));
}

/** For probes returning the list of forbidden things they could see: any name is an escape. */
export function foundNames(value: unknown): string | undefined {
  if (!Array.isArray(value)) return `the probe returned ${preview(value)} instead of a list`;
  return value.length === 0 ? undefined : `reached ${value.map(String).join(', ')}`;
}

/** A short JSON preview of what a tool returned, for the report. */
export function preview(value: unknown, max = 120): string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? `<${v.length} bytes>` : v)) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
