// Vocabulary of the isolation stress test: benign and hostile cases, how a hostile result is judged, the
// runner's options (with the test-only hooks that break a limit or an expectation) and the report.
import type { IsolateErrorKind, Limits, ToolKind } from '../isolates/types.js';

export type Engine = 'lua' | 'js';

export const HOSTILE_CLASSES = ['infinite-loop', 'memory-bomb', 'deep-recursion', 'huge-output', 'escape', 'ssrf'] as const;
export type HostileClass = (typeof HOSTILE_CLASSES)[number];

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** A tool that must succeed with a value it can predict from its input. */
export interface BenignCase {
  readonly name: string;
  readonly engine: Engine;
  readonly source: string;
  readonly modules: readonly string[];
  input(rng: Rng): unknown;
  /** The value the tool must return for `input`. */
  expected(input: unknown): unknown;
}

/**
 * How a hostile call may end and still count as CONTAINED: an isolate error kind (`MemoryLimit`) or a
 * guest error the tool surfaced (`ToolError/PermissionDenied`).
 */
export type ContainedKind = IsolateErrorKind | `ToolError/${string}`;

/** A tool that tries to break a limit or get out of its sandbox. */
export interface HostileCase {
  readonly name: string;
  readonly hostileClass: HostileClass;
  readonly engine: Engine;
  readonly source: string;
  readonly modules: readonly string[];
  readonly input?: unknown;
  /** Limits beyond the hostile defaults (HOSTILE_LIMITS); the ones the case expects to be enforced. */
  readonly limits?: Partial<Limits>;
  /** The error kinds that mean the sandbox held. */
  readonly contained: readonly ContainedKind[];
  /**
   * For a tool that may legitimately finish (a probe that finds nothing): inspects what came back and
   * returns a description of the escape it proves, or undefined when it proves nothing. Without it,
   * finishing at all is an escape (the limit was not enforced).
   */
  readonly escapeProof?: (value: unknown, logs: readonly string[], limits: Limits) => string | undefined;
}

export type Verdict =
  | { readonly outcome: 'contained'; readonly kind: string }
  | { readonly outcome: 'escaped'; readonly detail: string }
  | { readonly outcome: 'unexpected'; readonly kind: string; readonly detail: string };

export type Phase = 'baseline' | 'mix';

export interface StressProgress {
  readonly phase: Phase;
  readonly done: number;
  readonly total: number;
  readonly hostileDone: number;
  readonly hostileContained: number;
  /** Benign failures plus hostile calls that were not contained, in this phase. */
  readonly failures: number;
}

export interface StressOptions {
  /** Calls per phase (baseline and mix). Default 300. */
  readonly calls?: number;
  /** Calls in flight at once. Default twice the pool size. */
  readonly concurrency?: number;
  /** Share of hostile calls in the mix phase, 0..1. Default 0.1. */
  readonly hostileRatio?: number;
  /** Bound each phase by time too (ms): a phase stops starting calls after this. Default: none. */
  readonly durationMs?: number;
  /** PRNG seed for the call order, the hostile picks and the inputs. Default: random (reported). */
  readonly seed?: number;
  /** Isolate pool size. Default: the pool's own default (available parallelism). */
  readonly poolSize?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: StressProgress) => void;
  /** Only these hostile classes (default all). */
  readonly classes?: readonly HostileClass[];
  /**
   * Test hook: limits laid over a hostile class's own (e.g. a 1 GB memory cap for `memory-bomb`) while
   * its cases still declare the kinds they expect; proves a broken limit is reported as ESCAPED.
   */
  readonly limitOverrides?: Partial<Record<HostileClass, Partial<Limits>>>;
  /** Test hook: replace a benign case's expected value (by case name); proves a benign failure fails the run. */
  readonly benignExpectations?: Readonly<Record<string, unknown>>;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface PhaseReport {
  readonly calls: number;
  readonly benignCalls: number;
  readonly hostileCalls: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  /** Wall-clock ms per benign call as the caller sees it (queueing included). */
  readonly benignLatencyMs: LatencySummary;
}

export interface EscapeRecord {
  readonly case: string;
  readonly engine: Engine;
  readonly detail: string;
}

export interface UnexpectedRecord {
  readonly case: string;
  readonly engine: Engine;
  readonly kind: string;
  readonly detail: string;
}

export interface ClassContainment {
  readonly class: HostileClass;
  readonly contained: number;
  readonly total: number;
  /** How the contained calls ended, by kind. */
  readonly endedAs: Readonly<Record<string, number>>;
  readonly escaped: readonly EscapeRecord[];
  /** Ended with an error kind the case did not declare (not an escape, but not the limit it expected). */
  readonly unexpected: readonly UnexpectedRecord[];
}

export interface BenignFailure {
  readonly case: string;
  readonly engine: Engine;
  readonly phase: Phase;
  readonly kind: string;
  readonly message: string;
}

export interface StressReport {
  readonly seed: number;
  readonly poolSize: number;
  readonly concurrency: number;
  readonly hostileRatio: number;
  readonly durationMs: number | null;
  readonly baseline: PhaseReport;
  readonly mix: PhaseReport;
  /** Mix benign latency over baseline benign latency, per percentile. */
  readonly benignLatencyRatio: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly containment: readonly ClassContainment[];
  readonly escapedCount: number;
  readonly unexpectedCount: number;
  readonly benignFailures: {
    readonly total: number;
    readonly byKind: Readonly<Record<string, number>>;
    /** The first few failures, for the reader. */
    readonly samples: readonly BenignFailure[];
  };
  readonly workerReplacements: number;
  /** Workers replaced because a call left their WebAssembly heap past its limit (PoolStats.retiredForMemory). */
  readonly retiredForMemory: number;
  /** Calls past the pool's long-call slice, how many of them yielded the CPU, and whether the policy was on. */
  readonly longCalls: { readonly total: number; readonly demoted: number; readonly cpuShare: boolean };
  readonly rssMb: { readonly before: number; readonly after: number };
  /** True when nothing escaped, every hostile call ended as declared and no benign call failed. */
  readonly passed: boolean;
}

export const KIND_OF_ENGINE: Readonly<Record<Engine, ToolKind>> = { lua: 'function.lua', js: 'function.js' };
