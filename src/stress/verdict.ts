// Judging one call: whether a hostile result is CONTAINED (declared kind, or a probe that proves
// nothing), ESCAPED (finished past its limit or returned proof) or unexpected; whether a benign one is right.
import type { CallResult, Limits } from '../isolates/types.js';
import { preview } from './hostile-shared.js';
import type { HostileCase, Verdict } from './stress-types.js';

/** The label a failed call is counted under: the isolate kind, or `ToolError/<guest kind>`. */
export function errorLabel(result: Extract<CallResult, { status: 'error' }>): string {
  const e = result.error;
  return e.kind === 'ToolError' && e.errorKind ? `ToolError/${e.errorKind}` : e.kind;
}

export function judgeHostile(c: HostileCase, result: CallResult, limits: Limits): Verdict {
  if (result.status === 'ok') {
    if (!c.escapeProof) return { outcome: 'escaped', detail: `finished past its limits and returned ${preview(result.value)}` };
    const proof = c.escapeProof(result.value, result.logs ?? [], limits);
    return proof === undefined ? { outcome: 'contained', kind: 'ok (nothing reached)' } : { outcome: 'escaped', detail: proof };
  }
  const label = errorLabel(result);
  if ((c.contained as readonly string[]).includes(label)) return { outcome: 'contained', kind: label };
  return { outcome: 'unexpected', kind: label, detail: result.error.message.slice(0, 200) };
}

/** Key-order-independent JSON of a value (bytes as latin1 text, bigints as decimal), for comparing results. */
export function canonical(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
    if (Array.isArray(v)) return v.map(norm);
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(norm(value)) ?? 'undefined';
}

/** Why a benign call failed, or undefined when it returned exactly what it should. */
export function benignFailure(result: CallResult, expected: unknown): { kind: string; message: string } | undefined {
  if (result.status === 'error') return { kind: errorLabel(result), message: result.error.message.slice(0, 200) };
  const got = canonical(result.value);
  const want = canonical(expected);
  if (got === want) return undefined;
  return { kind: 'WrongValue', message: `expected ${preview(expected, 80)}, got ${preview(result.value, 80)}` };
}
