// The stress runner: drives the real isolate pool with a benign-only baseline, then a benign/hostile mix,
// judging every call, and builds the report (throughput, latency, containment, failures, replacements, RSS).
import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createIsolatePool, type IsolatePool } from '../isolates/pool.js';
import { HOT_CALLS } from '../isolates/pool-level.js';
import { resolvePoolOptions } from '../isolates/pool-options.js';
import { DEFAULT_LIMITS, type CallResult, type Limits, type ToolSpec } from '../isolates/types.js';
import { logger } from '../log/logger.js';
import { NET_SERVICE, type NetPolicy } from '../modules/net-guard.js';
import { BENIGN_CASES } from './benign-catalogue.js';
import { hostileCases, hostileLimits } from './hostile-catalogue.js';
import { latencyRatio, round, summarise } from './latency.js';
import { createRng, planPhase, type PlannedCall } from './schedule.js';
import { benignFailure, judgeHostile } from './verdict.js';
import {
  HOSTILE_CLASSES,
  KIND_OF_ENGINE,
  type BenignCase,
  type BenignFailure,
  type ClassContainment,
  type EscapeRecord,
  type HostileCase,
  type HostileClass,
  type Phase,
  type PhaseReport,
  type StressOptions,
  type StressReport,
  type UnexpectedRecord,
} from './stress-types.js';

const log = logger('stress');

/** Who the stress calls run as. */
export const STRESS_ACTOR = { id: 'service:stress', meta: { role: 'stress' } } as const;
/** Nothing beyond the public internet: the SSRF targets stay refused whatever MICRO_AGI_NET_ALLOW says. */
const NO_EGRESS_EXCEPTIONS: NetPolicy = { allow: [] };
const MAX_FAILURE_SAMPLES = 10;

export const STRESS_DEFAULTS = { calls: 300, hostileRatio: 0.1 } as const;

function toolSpec(name: string, engine: BenignCase['engine'], source: string, modules: readonly string[], limits: Limits): ToolSpec {
  return {
    id: `app.generated:stress_${name.replace(/-/g, '_')}`,
    version: 1,
    kind: KIND_OF_ENGINE[engine],
    source,
    method: 'handler',
    modules: [...modules],
    trusted: false,
    limits,
  };
}

interface ClassTally {
  contained: number;
  total: number;
  endedAs: Record<string, number>;
  escaped: EscapeRecord[];
  unexpected: UnexpectedRecord[];
}

/** Everything recorded while the phases run. */
class Tally {
  readonly classes = new Map<HostileClass, ClassTally>();
  readonly benignFailures: BenignFailure[] = [];
  readonly failuresByKind: Record<string, number> = {};

  constructor(classes: readonly HostileClass[]) {
    for (const k of classes) this.classes.set(k, { contained: 0, total: 0, endedAs: {}, escaped: [], unexpected: [] });
  }

  get benignFailureCount(): number {
    return Object.values(this.failuresByKind).reduce((a, b) => a + b, 0);
  }

  escaped(): number {
    return [...this.classes.values()].reduce((n, t) => n + t.escaped.length, 0);
  }

  unexpected(): number {
    return [...this.classes.values()].reduce((n, t) => n + t.unexpected.length, 0);
  }
}

interface PhaseCounters {
  done: number;
  hostileDone: number;
  hostileContained: number;
  failures: number;
  benignMs: number[];
}

class StressRun {
  readonly #specs = new Map<string, { spec: ToolSpec; limits: Limits }>();

  /** Every call listens on this signal (one listener per call in flight), aborted with the caller's. */
  readonly #signal: AbortSignal;

  constructor(
    private readonly pool: IsolatePool,
    private readonly options: StressOptions,
    private readonly concurrency: number,
    private readonly tally: Tally,
    private readonly warmRounds: number,
  ) {
    const inner = new AbortController();
    setMaxListeners(concurrency + BENIGN_CASES.length * warmRounds + 10, inner.signal);
    if (options.signal?.aborted) inner.abort();
    else options.signal?.addEventListener('abort', () => inner.abort(), { once: true });
    this.#signal = inner.signal;
  }

  #spec(call: PlannedCall): { spec: ToolSpec; limits: Limits } {
    const key = `${call.type}:${call.case.name}`;
    let built = this.#specs.get(key);
    if (!built) {
      const c = call.case;
      const limits = call.type === 'hostile' ? hostileLimits(call.case, this.options.limitOverrides) : DEFAULT_LIMITS;
      built = { spec: toolSpec(c.name, c.engine, c.source, c.modules, limits), limits };
      this.#specs.set(key, built);
    }
    return built;
  }

  /** Compile and run each benign tool a few times so the baseline does not pay cold starts alone. */
  async warmUp(): Promise<void> {
    const rng = createRng(0);
    const calls = BENIGN_CASES.flatMap((c) => Array.from({ length: this.warmRounds }, (): PlannedCall => ({ type: 'benign', case: c, input: c.input(rng) })));
    await Promise.all(calls.map((call) => this.pool.call(this.#spec(call).spec, call.type === 'benign' ? call.input : null, this.#callOptions())));
    // Cold first calls may have run long enough to boot spare workers: their boot (engines loading) must not
    // eat into the baseline's CPU.
    await this.pool.settled?.();
  }

  #callOptions(): { actor: typeof STRESS_ACTOR; signal: AbortSignal } {
    return { actor: STRESS_ACTOR, signal: this.#signal };
  }

  async phase(phase: Phase, plan: readonly PlannedCall[]): Promise<PhaseReport> {
    const counters: PhaseCounters = { done: 0, hostileDone: 0, hostileContained: 0, failures: 0, benignMs: [] };
    const started = performance.now();
    const until = this.options.durationMs !== undefined ? started + this.options.durationMs : Infinity;
    let next = 0;
    let hostileCalls = 0;
    const report = (): void =>
      this.options.onProgress?.({ phase, total: plan.length, done: counters.done, hostileDone: counters.hostileDone, hostileContained: counters.hostileContained, failures: counters.failures });
    const lane = async (): Promise<void> => {
      while (next < plan.length && performance.now() < until && !this.#signal.aborted) {
        const call = plan[next++]!;
        if (call.type === 'hostile') hostileCalls++;
        await this.#one(phase, call, counters);
        report();
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, lane));
    const seconds = (performance.now() - started) / 1000;
    return {
      calls: counters.done,
      benignCalls: counters.done - hostileCalls,
      hostileCalls,
      seconds: round(seconds, 3),
      callsPerSecond: seconds > 0 ? round(counters.done / seconds, 1) : 0,
      benignLatencyMs: summarise(counters.benignMs),
    };
  }

  async #one(phase: Phase, call: PlannedCall, counters: PhaseCounters): Promise<void> {
    const { spec, limits } = this.#spec(call);
    const input = call.type === 'benign' ? call.input : (call.case.input ?? null);
    const t0 = performance.now();
    const result = await this.pool.call(spec, input, this.#callOptions());
    const ms = performance.now() - t0;
    // A call cut short by the caller's own cancellation says nothing about the sandbox.
    if (this.#signal.aborted && result.status === 'error' && result.error.kind === 'Canceled') return;
    counters.done++;
    if (call.type === 'benign') {
      counters.benignMs.push(ms);
      const override = this.options.benignExpectations;
      const expected = override && Object.hasOwn(override, call.case.name) ? override[call.case.name] : call.case.expected(call.input);
      const failure = benignFailure(result, expected);
      if (failure) {
        counters.failures++;
        this.tally.failuresByKind[failure.kind] = (this.tally.failuresByKind[failure.kind] ?? 0) + 1;
        if (this.tally.benignFailures.length < MAX_FAILURE_SAMPLES) {
          this.tally.benignFailures.push({ case: call.case.name, engine: call.case.engine, phase, ...failure });
        }
      }
      return;
    }
    this.#judge(call.case, result, limits, counters);
  }

  #judge(c: HostileCase, result: CallResult, limits: Limits, counters: PhaseCounters): void {
    const verdict = judgeHostile(c, result, limits);
    const t = this.tally.classes.get(c.hostileClass)!;
    t.total++;
    counters.hostileDone++;
    if (verdict.outcome === 'contained') {
      t.contained++;
      counters.hostileContained++;
      t.endedAs[verdict.kind] = (t.endedAs[verdict.kind] ?? 0) + 1;
      return;
    }
    counters.failures++;
    if (verdict.outcome === 'escaped') {
      log.error({ case: c.name, detail: verdict.detail }, 'hostile tool ESCAPED');
      t.escaped.push({ case: c.name, engine: c.engine, detail: verdict.detail });
    } else {
      log.warn({ case: c.name, kind: verdict.kind, detail: verdict.detail }, 'hostile tool ended with an undeclared kind');
      t.unexpected.push({ case: c.name, engine: c.engine, kind: verdict.kind, detail: verdict.detail });
    }
  }
}

function megabytes(bytes: number): number {
  return round(bytes / (1024 * 1024), 1);
}

function checkOptions(calls: number, ratio: number, concurrency: number, durationMs: number | undefined): void {
  if (!Number.isInteger(calls) || calls < 1) throw new RangeError(`stress: calls must be a positive integer, got ${calls}`);
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`stress: hostileRatio must be within 0..1, got ${ratio}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`stress: concurrency must be a positive integer, got ${concurrency}`);
  if (durationMs !== undefined && !(durationMs > 0)) throw new RangeError(`stress: durationMs must be positive, got ${durationMs}`);
}

/** Run the baseline and the mix against a fresh isolate pool; never throws for tool faults (they are data). */
export async function runStress(options: StressOptions = {}): Promise<StressReport> {
  const poolSize = resolvePoolOptions({ ...(options.poolSize !== undefined ? { size: options.poolSize } : {}) }).size;
  const calls = options.calls ?? STRESS_DEFAULTS.calls;
  const ratio = options.hostileRatio ?? STRESS_DEFAULTS.hostileRatio;
  const concurrency = options.concurrency ?? poolSize * 2;
  checkOptions(calls, ratio, concurrency, options.durationMs);
  const seed = options.seed ?? randomInt(1, 2 ** 31);
  const classes = HOSTILE_CLASSES.filter((k) => !options.classes || options.classes.includes(k));
  const hostile = hostileCases(classes);
  const rng = createRng(seed);
  const baselinePlan = planPhase(calls, 0, BENIGN_CASES, [], rng);
  const mixPlan = planPhase(calls, ratio, BENIGN_CASES, hostile, rng);

  const rssBefore = process.memoryUsage().rss;
  const pool = createIsolatePool({ size: poolSize, services: { [NET_SERVICE]: NO_EGRESS_EXCEPTIONS } });
  const tally = new Tally(classes);
  // Enough warm-up rounds that every benign tool counts as hot, so idle workers get it prepared too.
  const run = new StressRun(pool, options, concurrency, tally, Math.max(poolSize, HOT_CALLS));
  let baseline: PhaseReport;
  let mix: PhaseReport;
  let rssAfter: number;
  let workerReplacements: number;
  let retiredForMemory: number;
  let longCalls: StressReport['longCalls'];
  try {
    await run.warmUp();
    baseline = await run.phase('baseline', baselinePlan);
    mix = await run.phase('mix', mixPlan);
    rssAfter = process.memoryUsage().rss;
    const stats = pool.stats();
    workerReplacements = stats.workerReplacements;
    retiredForMemory = stats.retiredForMemory;
    longCalls = { total: stats.longCalls, demoted: stats.longCallsDemoted, cpuShare: stats.cpuShare };
  } finally {
    await pool.close();
  }

  const containment: ClassContainment[] = classes.map((k) => {
    const t = tally.classes.get(k)!;
    return { class: k, contained: t.contained, total: t.total, endedAs: t.endedAs, escaped: t.escaped, unexpected: t.unexpected };
  });
  const escapedCount = tally.escaped();
  const unexpectedCount = tally.unexpected();
  const failures = tally.benignFailureCount;
  return {
    seed,
    poolSize,
    concurrency,
    hostileRatio: ratio,
    durationMs: options.durationMs ?? null,
    baseline,
    mix,
    benignLatencyRatio: latencyRatio(mix.benignLatencyMs, baseline.benignLatencyMs),
    containment,
    escapedCount,
    unexpectedCount,
    benignFailures: { total: failures, byKind: tally.failuresByKind, samples: tally.benignFailures },
    workerReplacements,
    retiredForMemory,
    longCalls,
    rssMb: { before: megabytes(rssBefore), after: megabytes(rssAfter) },
    passed: escapedCount === 0 && unexpectedCount === 0 && failures === 0 && !options.signal?.aborted,
  };
}
