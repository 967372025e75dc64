// Pure parts of the stress test: hostile verdicts (contained, escaped, unexpected), benign checks, and a
// seeded plan whose hostile picks cover every class once there are as many hostile calls as classes.
import { describe, expect, it } from 'vitest';
import type { CallResult } from '../../src/isolates/types.js';
import { BENIGN_CASES } from '../../src/stress/benign-catalogue.js';
import { HOSTILE_LIMITS, hostileCases } from '../../src/stress/hostile-catalogue.js';
import { createRng, planPhase } from '../../src/stress/schedule.js';
import { HOSTILE_CLASSES, type HostileCase } from '../../src/stress/stress-types.js';
import { benignFailure, judgeHostile } from '../../src/stress/verdict.js';

const stats = { ms: 1 };
const failed = (kind: string, errorKind?: string): CallResult =>
  ({ status: 'error', error: { kind, message: 'm', ...(errorKind ? { errorKind } : {}) }, stats }) as CallResult;
const byName = (name: string): HostileCase => hostileCases().find((c) => c.name === name)!;

describe('hostile verdicts', () => {
  it('counts a declared kind as contained and any other error as unexpected', () => {
    const bomb = byName('lua-string-doubling');
    expect(judgeHostile(bomb, failed('MemoryLimit'), HOSTILE_LIMITS)).toEqual({ outcome: 'contained', kind: 'MemoryLimit' });
    expect(judgeHostile(bomb, failed('Timeout'), HOSTILE_LIMITS)).toMatchObject({ outcome: 'unexpected', kind: 'Timeout' });
  });

  it('counts a bomb that finishes as escaped, with what it returned', () => {
    const v = judgeHostile(byName('js-string-doubling'), { status: 'ok', value: 67108864, stats }, HOSTILE_LIMITS);
    expect(v).toEqual({ outcome: 'escaped', detail: 'finished past its limits and returned 67108864' });
  });

  it('needs the egress refusal itself for SSRF: another guest error kind is not containment', () => {
    const ssrf = byName('js-ssrf-cloud-metadata');
    expect(judgeHostile(ssrf, failed('ToolError', 'PermissionDenied'), HOSTILE_LIMITS).outcome).toBe('contained');
    expect(judgeHostile(ssrf, failed('ToolError', 'Internal'), HOSTILE_LIMITS)).toMatchObject({ outcome: 'unexpected', kind: 'ToolError/Internal' });
    expect(judgeHostile(ssrf, { status: 'ok', value: { status: 200 }, stats }, HOSTILE_LIMITS).outcome).toBe('escaped');
  });

  it('lets a probe finish when it found nothing, and names what it reached otherwise', () => {
    const probe = byName('js-function-constructor');
    expect(judgeHostile(probe, { status: 'ok', value: [], stats }, HOSTILE_LIMITS).outcome).toBe('contained');
    expect(judgeHostile(probe, { status: 'ok', value: ['process', 'std'], stats }, HOSTILE_LIMITS)).toEqual({ outcome: 'escaped', detail: 'reached process, std' });
  });

  it('accepts a console flood only when the captured output stayed under the cap', () => {
    const flood = byName('js-console-flood');
    const small = { status: 'ok', value: 'done', stats, logs: ['p'.repeat(100)] } as CallResult;
    const huge = { status: 'ok', value: 'done', stats, logs: Array.from({ length: 2000 }, () => 'p'.repeat(100)) } as CallResult;
    expect(judgeHostile(flood, small, HOSTILE_LIMITS).outcome).toBe('contained');
    expect(judgeHostile(flood, huge, HOSTILE_LIMITS)).toMatchObject({ outcome: 'escaped' });
  });
});

describe('benign checks', () => {
  it('compares values regardless of key order and reports errors by kind', () => {
    expect(benignFailure({ status: 'ok', value: { b: 1, a: [1, 2] }, stats }, { a: [1, 2], b: 1 })).toBeUndefined();
    expect(benignFailure({ status: 'ok', value: 3, stats }, 4)).toMatchObject({ kind: 'WrongValue' });
    expect(benignFailure(failed('ToolError', 'Invalid'), 4)).toMatchObject({ kind: 'ToolError/Invalid' });
  });
});

describe('the call plan', () => {
  it('places round(calls * ratio) hostile calls and covers every class', () => {
    const plan = planPhase(60, 0.3, BENIGN_CASES, hostileCases(), createRng(9));
    const hostile = plan.filter((c) => c.type === 'hostile');
    expect(plan).toHaveLength(60);
    expect(hostile).toHaveLength(18);
    expect(new Set(hostile.map((c) => (c.case as HostileCase).hostileClass))).toEqual(new Set(HOSTILE_CLASSES));
  });

  it('is the same plan for the same seed', () => {
    const names = (seed: number): string[] => planPhase(30, 0.5, BENIGN_CASES, hostileCases(), createRng(seed)).map((c) => c.case.name);
    expect(names(5)).toEqual(names(5));
    expect(names(5)).not.toEqual(names(6));
  });
});
