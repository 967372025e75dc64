// The shape of one benchmark figure: a measured value beside the reference and target it is judged by.
// Each bench/<area>.ts exports `run(): Promise<BenchRow[]>`; bench/run.ts prints and saves them.

export interface BenchRow {
  /** Area, e.g. "registry", "isolates", "llm". */
  readonly area: string;
  /** What was measured, e.g. "app definition load". */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** A reference measured in the same run (e.g. the empty-task floor), if any. */
  readonly reference?: { readonly name: string; readonly value: number; readonly unit: string };
  /** The target as text (e.g. "<= 2x floor") and whether this run met it. */
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
}

export type BenchSection = () => Promise<BenchRow[]>;

/** Percentile of a sorted or unsorted sample (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Run `fn` `n` times and return per-iteration durations in microseconds. */
export async function sampleMicros(n: number, fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return out;
}
