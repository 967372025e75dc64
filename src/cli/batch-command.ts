// `micro-agi batch FILE.jsonl [--concurrency N] [--out FILE.jsonl]`: every input line's prompt in its own
// agent process, results as JSON lines (stdout or appended to --out, resumable), progress on a TTY stderr.
import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors/app-error.js';
import { parseBatchInput } from '../batch/batch-input.js';
import { progressBar, summaryLine } from '../batch/batch-progress.js';
import { DEFAULT_CONCURRENCY, runBatch, type BatchSummary } from '../batch/batch-runner.js';
import { openBatchSupervisor } from '../batch/batch-supervisor.js';
import { appendResultsFile, dropResults, readPreviousResults, streamResults, type ResultSink } from '../batch/results-file.js';
import { boolFlag, stringFlag, type FlagSpecs, type ParsedArgs } from './argv.js';
import type { CommandIO } from './command-spec.js';
import { needsProviderSetup, providerSetupHelp } from './setup-help.js';

const PREFIX = 'micro-agi batch';

/** The command's own flags as main.ts's table declares them (tests parse argv with these + GLOBAL_FLAGS). */
export const BATCH_FLAGS: FlagSpecs = {
  concurrency: { type: 'string', value: 'N', help: `prompts running at once, each in its own agent process (default ${DEFAULT_CONCURRENCY})` },
  out: { type: 'string', value: 'FILE', help: 'append results to FILE (one JSON line each); a rerun skips ids already in it' },
  'retry-failed': { type: 'boolean', help: 'with --out: run again the ids whose result there is an error' },
  timeout: { type: 'string', value: 'S', help: 'cancel a prompt still running after S seconds (its result: a timeout error)' },
  'max-cost': { type: 'string', value: 'USD', help: 'start no more prompts once the finished ones cost USD dollars' },
  model: { type: 'string', value: 'MODEL', help: 'the model of every line that names none (a model entry or the provider\'s model name)' },
};

export interface BatchCommandOptions {
  /** Whether stderr is a terminal (the progress bar is drawn only then). */
  readonly isTTY: boolean;
  /** Whether stdout is a terminal too: results written there erase the bar first (it is redrawn after). */
  readonly outIsTTY?: boolean;
  readonly columns?: number;
  /** Aborts the run like Ctrl-C (default: SIGINT). */
  readonly signal?: AbortSignal;
  /** Reads all of standard input, for FILE `-` (default: file descriptor 0). */
  readonly readStdin?: () => string;
}

function parseTimeout(text: string | undefined): number | undefined | string {
  if (text === undefined) return undefined;
  const s = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(s > 0) || s > 86_400) return `--timeout must be a number of seconds above 0 and at most 86400, got '${text}'`;
  return Math.round(s * 1000);
}

function parseMaxCost(text: string | undefined): number | undefined | string {
  if (text === undefined) return undefined;
  const usd = Number(text.replace(/^\$/, ''));
  if (!/^\$?\d+(\.\d+)?$/.test(text) || !(usd > 0)) return `--max-cost must be a dollar amount above 0, e.g. 2.50, got '${text}'`;
  return usd;
}

function parseConcurrency(text: string | undefined): number | string {
  if (text === undefined) return DEFAULT_CONCURRENCY;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1000) return `--concurrency must be an integer from 1 to 1000, got '${text}'`;
  return Number(text);
}

/** The command handler (main.ts's table loads it lazily). */
export async function batchCommand(args: ParsedArgs, io: CommandIO): Promise<number> {
  return runBatchCommand(args, io, { isTTY: process.stderr.isTTY === true, outIsTTY: process.stdout.isTTY === true, columns: process.stderr.columns });
}

export async function runBatchCommand(args: ParsedArgs, io: CommandIO, options: BatchCommandOptions): Promise<number> {
  const file = args.positionals[0];
  if (file === undefined) {
    io.err(`${PREFIX}: missing FILE.jsonl\n`);
    return 2;
  }
  const concurrency = parseConcurrency(stringFlag(args, 'concurrency'));
  if (typeof concurrency === 'string') {
    io.err(`${PREFIX}: ${concurrency}\n`);
    return 2;
  }
  const timeoutMs = parseTimeout(stringFlag(args, 'timeout'));
  if (typeof timeoutMs === 'string') {
    io.err(`${PREFIX}: ${timeoutMs}\n`);
    return 2;
  }
  const maxCost = parseMaxCost(stringFlag(args, 'max-cost'));
  if (typeof maxCost === 'string') {
    io.err(`${PREFIX}: ${maxCost}\n`);
    return 2;
  }
  const fromStdin = file === '-';
  /** How problems name the input: `prompts.jsonl:3`, or `stdin:3`. */
  const source = fromStdin ? 'stdin' : file;
  let text: string;
  try {
    text = fromStdin ? (options.readStdin ?? (() => readFileSync(0, 'utf8')))() : readFileSync(file, 'utf8');
  } catch (err) {
    io.err(`${PREFIX}: cannot read ${source}: ${errorMessage(err)}\n`);
    return 2;
  }
  if (needsProviderSetup(io.env)) {
    io.err(providerSetupHelp());
    return 2;
  }

  const input = parseBatchInput(text);
  for (const b of input.bad) io.err(`${PREFIX}: ${source}:${b.line}: ${b.problem}; line skipped\n`);
  const out = stringFlag(args, 'out');
  const retryFailed = boolFlag(args, 'retry-failed');
  if (retryFailed && out === undefined) {
    io.err(`${PREFIX}: --retry-failed needs --out FILE (the results to retry from)\n`);
    return 2;
  }
  let previous;
  let retried = 0;
  let doing = 'read';
  try {
    previous = out !== undefined ? readPreviousResults(out) : undefined;
    if (previous && retryFailed) {
      // Only ids this input still names: a failed line of an id no longer asked for stays as it is.
      const again = new Set(input.items.map((i) => i.key).filter((k) => previous!.failed.has(k)));
      if (again.size > 0) {
        doing = 'rewrite';
        dropResults(out!, again);
        retried = again.size;
        previous = readPreviousResults(out!);
      }
    }
  } catch (err) {
    io.err(`${PREFIX}: cannot ${doing} ${out}: ${errorMessage(err)}\n`);
    return 2;
  }
  if (previous && previous.unreadable.length > 0) {
    io.err(`${PREFIX}: ${out}: line${previous.unreadable.length === 1 ? '' : 's'} ${previous.unreadable.join(', ')} ${previous.unreadable.length === 1 ? 'is' : 'are'} not a result; left as is\n`);
  }
  const todo = previous ? input.items.filter((i) => !previous.keys.has(i.key)) : input.items;
  const skipped = input.items.length - todo.length;
  if (retried > 0) io.err(`${PREFIX}: running ${retried} failed id${retried === 1 ? '' : 's'} again (their old results removed from ${out})\n`);
  if (skipped > 0) io.err(`${PREFIX}: skipped ${skipped} id${skipped === 1 ? '' : 's'} already in ${out}\n`);

  const started = performance.now();
  const finish = (s: BatchSummary): number => {
    io.err(summaryLine({ ...s, skipped, badLines: input.bad.length, wallMs: performance.now() - started }));
    return s.failed > 0 || s.notRun > 0 ? 1 : 0;
  };
  if (todo.length === 0) return finish({ answered: 0, failed: 0, notRun: 0, tokens: 0, cost: 0 });

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  const external = options.signal;
  if (external) external.addEventListener('abort', onSigint, { once: true });
  else process.once('SIGINT', onSigint); // a second Ctrl-C ends the process the default way
  let sink: ResultSink | undefined;
  const bar = progressBar(io.err, { tty: options.isTTY, ...(options.columns !== undefined ? { columns: options.columns } : {}) });
  try {
    const supervisor = await openBatchSupervisor({
      env: io.env,
      ...(stringFlag(args, 'home') !== undefined ? { home: stringFlag(args, 'home')! } : {}),
      ...(stringFlag(args, 'app') !== undefined ? { app: stringFlag(args, 'app')! } : {}),
      ...(stringFlag(args, 'model') !== undefined ? { model: stringFlag(args, 'model')! } : {}),
      onWarning: (w) => {
        bar.clear();
        io.err(`micro-agi: warning: ${w}\n`);
      },
    });
    try {
      // On a terminal showing both streams a result would land on the bar's line: erase the bar first.
      const resultsOut = (text: string): void => {
        if (options.outIsTTY) bar.clear();
        io.out(text);
      };
      sink = out !== undefined ? appendResultsFile(out, previous!) : streamResults(resultsOut);
      const summary = await runBatch({
        supervisor,
        items: todo,
        concurrency,
        onResult: (r) => sink!.write(r),
        onProgress: (p) => bar.update(p),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        ...(maxCost !== undefined ? { maxCost } : {}),
        signal: controller.signal,
      });
      bar.clear();
      return finish(summary);
    } finally {
      bar.clear();
      sink?.close();
      await supervisor.close();
    }
  } finally {
    if (external) external.removeEventListener('abort', onSigint);
    else process.removeListener('SIGINT', onSigint);
  }
}
