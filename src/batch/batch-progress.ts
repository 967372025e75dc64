// The batch progress bar on a terminal's stderr (done / failed / running, tokens, cost), redrawn in place
// at most every `intervalMs`, and the one-line summary printed at the end of every run.
import type { BatchProgress, BatchSummary } from './batch-runner.js';

/** Columns assumed when the terminal reports none: a pty without a size (`script`, some CI runners) says 0. */
const DEFAULT_COLUMNS = 80;

/** `42s`, `3m05s`, `1h02m`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * The bar's text for `columns`, e.g. `[#####-----] 5/10 done 4 failed 1 running 2 | 1.2k tok | $0.0012 | ETA 12s`
 * (the time left at the rate prompts finished so far).
 */
export function progressLine(p: BatchProgress, columns = DEFAULT_COLUMNS): string {
  const width = columns > 0 ? columns : DEFAULT_COLUMNS;
  const finished = p.answered + p.failed;
  const eta = finished > 0 && finished < p.total ? ` | ETA ${duration((p.elapsedMs / finished) * (p.total - finished))}` : '';
  const counts = ` ${finished}/${p.total} done ${p.answered} failed ${p.failed} running ${p.running} | ${compact(p.tokens)} tok | ${dollars(p.cost)}${eta}`;
  const barWidth = Math.max(5, Math.min(30, width - counts.length - 3));
  const filled = p.total === 0 ? barWidth : Math.round((finished / p.total) * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${counts}`.slice(0, Math.max(1, width - 1));
}

export function compact(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 1_000) return `${(n / 1_000).toFixed(1)}k`;
  return String(n);
}

export function dollars(cost: number): string {
  return `$${cost.toFixed(cost >= 1 ? 2 : 4)}`;
}

export interface SummaryFacts extends BatchSummary {
  readonly skipped: number;
  readonly badLines: number;
  readonly wallMs: number;
}

/** The closing line on stderr. */
export function summaryLine(s: SummaryFacts): string {
  const parts = [`${s.answered} answered`, `${s.failed} failed`];
  if (s.notRun > 0) parts.push(`${s.notRun} not run (${s.stoppedBy === 'budget' ? 'the --max-cost budget was reached' : 'interrupted'})`);
  if (s.skipped > 0) parts.push(`${s.skipped} skipped`);
  if (s.badLines > 0) parts.push(`${s.badLines} bad line${s.badLines === 1 ? '' : 's'}`);
  return `batch: ${parts.join(', ')}; ${s.tokens} tokens, ${dollars(s.cost)}, ${(s.wallMs / 1000).toFixed(1)} s\n`;
}

export interface ProgressBar {
  update(p: BatchProgress): void;
  /** Erase the bar (before other stderr text, and at the end). */
  clear(): void;
}

/** A bar redrawn in place with `\r`; `write` is stderr; nothing is drawn unless `tty`. */
export function progressBar(write: (text: string) => void, options: { tty: boolean; columns?: number; intervalMs?: number }): ProgressBar {
  if (!options.tty) return { update: () => {}, clear: () => {} };
  const interval = options.intervalMs ?? 100;
  let last = 0;
  let shown = false;
  let pending: BatchProgress | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = (p: BatchProgress): void => {
    last = Date.now();
    pending = undefined;
    shown = true;
    write(`\r\x1b[K${progressLine(p, options.columns)}`);
  };
  return {
    update(p) {
      const finishedAll = p.answered + p.failed === p.total;
      if (finishedAll || Date.now() - last >= interval) {
        if (timer) clearTimeout(timer);
        timer = undefined;
        draw(p);
        return;
      }
      pending = p;
      // Redraw the latest counts once the interval has passed (a display refresh, not synchronisation).
      timer ??= setTimeout(() => {
        timer = undefined;
        if (pending) draw(pending);
      }, interval - (Date.now() - last));
      timer.unref();
    },
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      if (shown) write('\r\x1b[K');
      shown = false;
    },
  };
}
