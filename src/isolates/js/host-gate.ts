// The host end of the guest's only host function: validates each request (grant, trust, function name),
// calls HostBridge.invoke and answers with a JSON envelope; also collects capped console output.
import type { GuestValue, ModuleSpec } from '../../modules/module-spec.js';
import type { HostBridge, ToolSpec } from '../types.js';
import { GUEST_MODULES_SOURCE } from './guest-modules-source.js';
import { SYSTEM_CHANNEL } from './guest-prelude.js';
import { GUEST_SUPPORT_SOURCE } from './guest-support-source.js';
import { fromWire, toWire } from './wire-codec.js';

function parseLogLine(payload: string): string {
  try {
    const line: unknown = JSON.parse(payload);
    return typeof line === 'string' ? line : String(line);
  } catch {
    return payload;
  }
}

/** The prelude's lazily compiled sources; the only request answered outside a call. */
export function preludeSource(module: string, fn: string, which: string): string | undefined {
  if (module !== SYSTEM_CHANNEL || fn !== 'source') return undefined;
  if (which === 'modules') return GUEST_MODULES_SOURCE;
  if (which === 'support') return GUEST_SUPPORT_SOURCE;
  return undefined;
}

/** Console lines of one call, capped in bytes (UTF-8) and in count. */
export class LogSink {
  readonly lines: string[] = [];
  private bytes = 0;
  private closed = false;
  constructor(private readonly maxBytes: number, private readonly maxLines = 10_000) {}

  add(line: string): void {
    if (this.closed) return;
    const size = Buffer.byteLength(line) + 1;
    if (this.bytes + size > this.maxBytes || this.lines.length >= this.maxLines) {
      this.truncate();
      return;
    }
    this.bytes += size;
    this.lines.push(line);
  }

  truncate(): void {
    if (this.closed) return;
    this.closed = true;
    this.lines.push(`[output truncated: console output is capped at ${this.maxBytes} bytes]`);
  }
}

export type GateEnvelope =
  | { v: unknown }
  | { e: { t: 'module'; kind: string; message: string; retryable?: boolean; details?: unknown } }
  | { e: { t: 'arg' | 'notfound' | 'internal'; message: string } };

function hasFunction(spec: ModuleSpec, fn: string): boolean {
  if (Object.prototype.hasOwnProperty.call(spec.functions, fn)) return true;
  const colon = fn.indexOf(':');
  if (colon <= 0) return false;
  const type = spec.types?.[fn.slice(0, colon)];
  if (!type) return false;
  const method = fn.slice(colon + 1);
  if (method === '__tostring') return type.tostring !== undefined;
  return Object.prototype.hasOwnProperty.call(type.methods, method);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** One call's gate: the authority on what the guest may reach, whatever the prelude claims. */
export class HostGate {
  constructor(
    private readonly tool: ToolSpec,
    private readonly bridge: HostBridge,
    readonly logs: LogSink,
  ) {}

  /** Handles one `__host(module, fn, payload)` request: a JSON envelope, a prelude source, or nothing. */
  handle(module: string, fn: string, payload: string): string | undefined {
    if (module === SYSTEM_CHANNEL) {
      if (fn === 'log') this.logs.add(parseLogLine(payload));
      else if (fn === 'truncated') this.logs.truncate();
      else return preludeSource(module, fn, payload);
      return undefined;
    }
    return JSON.stringify(this.invoke(module, fn, payload));
  }

  private invoke(module: string, fn: string, payload: string): GateEnvelope {
    const { tool, bridge } = this;
    if (!tool.modules.includes(module)) {
      const granted = tool.modules.length ? tool.modules.join(', ') : '(none)';
      return { e: { t: 'notfound', message: `module '${module}' is not granted to ${tool.id}; granted: ${granted}` } };
    }
    const spec = bridge.modules.get(module);
    if (!spec) {
      return { e: { t: 'notfound', message: `module '${module}' is granted to ${tool.id} but is not available in this isolate` } };
    }
    if (spec.privileged && !tool.trusted) {
      return { e: { t: 'notfound', message: `module '${module}' is privileged and ${tool.id} is not trusted` } };
    }
    if (!hasFunction(spec, fn)) {
      return { e: { t: 'arg', message: `${module}.${fn.replace(':', '.')} is not a function` } };
    }
    let args: GuestValue[];
    try {
      const decoded = fromWire(JSON.parse(payload));
      if (!Array.isArray(decoded)) throw new Error('arguments must be an array');
      args = decoded;
    } catch (err) {
      return { e: { t: 'arg', message: `${module}.${fn}: bad arguments: ${errorMessage(err)}` } };
    }
    let result: GuestValue;
    try {
      result = bridge.invoke(module, fn, args);
    } catch (err) {
      const code = errorCode(err);
      if (code === 'MODULE_ERROR') {
        const failure = err as { kind?: unknown; message?: unknown; retryable?: unknown; details?: unknown };
        return {
          e: {
            t: 'module',
            kind: String(failure.kind ?? ''),
            message: String(failure.message ?? ''),
            ...(failure.retryable !== undefined ? { retryable: failure.retryable === true } : {}),
            ...(failure.details !== undefined ? { details: toWire(failure.details) } : {}),
          },
        };
      }
      if (code === 'MODULE_ARG_ERROR') return { e: { t: 'arg', message: errorMessage(err) } };
      return { e: { t: 'internal', message: `${module}.${fn} failed: ${errorMessage(err)}` } };
    }
    try {
      return { v: toWire(result) };
    } catch (err) {
      return { e: { t: 'internal', message: `${module}.${fn} returned a value that cannot reach the guest: ${errorMessage(err)}` } };
    }
  }
}
