// The --out results file: the ids a previous run already wrote (so a rerun skips them, or reruns the failed
// ones), and the sink that appends one JSON line per finished prompt, each written through before the next.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { replaceFile } from '../store/atomic-file.js';
import { asBatchId, idKey } from './batch-input.js';
import type { BatchResult } from './batch-result.js';

export interface PreviousResults {
  /** idKey of every id with a result line in the file. */
  readonly keys: ReadonlySet<string>;
  /** idKey of the ids whose every result line has an `error` (a rerun with --retry-failed runs them again). */
  readonly failed: ReadonlySet<string>;
  /** Line numbers of lines that are not results (e.g. cut short by a crash); they are left as they are. */
  readonly unreadable: number[];
  /** The file ends without a newline (a line cut short): the next write starts on a new line. */
  readonly needsNewline: boolean;
}

/** Read the ids already answered in `path` (none when it does not exist). */
export function readPreviousResults(path: string): PreviousResults {
  if (!existsSync(path)) return { keys: new Set(), failed: new Set(), unreadable: [], needsNewline: false };
  const text = readFileSync(path, 'utf8');
  const keys = new Set<string>();
  const answered = new Set<string>();
  const unreadable: number[] = [];
  text.split('\n').forEach((line, i) => {
    const result = resultOf(line);
    if (result === null) return;
    if (result === undefined) unreadable.push(i + 1);
    else {
      keys.add(result.key);
      if (!result.failed) answered.add(result.key);
    }
  });
  const failed = new Set([...keys].filter((k) => !answered.has(k)));
  return { keys, failed, unreadable, needsNewline: text.length > 0 && !text.endsWith('\n') };
}

/** A result line's id key and whether it failed; null for a blank line, undefined for one that is not a result. */
function resultOf(line: string): { key: string; failed: boolean } | null | undefined {
  if (line.trim() === '') return null;
  try {
    const parsed = JSON.parse(line) as { id?: unknown; error?: unknown } | null;
    const id = asBatchId(parsed?.id);
    return id === undefined ? undefined : { key: idKey(id), failed: parsed!.error !== undefined && parsed!.error !== null };
  } catch {
    return undefined;
  }
}

/**
 * Removes the result lines of `keys` (failed ids about to run again) from `path`, keeping every other line
 * as it was. Written to a temporary file beside it and renamed over it, so a crash leaves one or the other.
 */
export function dropResults(path: string, keys: ReadonlySet<string>): void {
  const text = readFileSync(path, 'utf8');
  const kept = text.split('\n').filter((line) => {
    const result = resultOf(line);
    return !(result && keys.has(result.key));
  });
  replaceFile(path, kept.join('\n'));
}

export interface ResultSink {
  write(result: BatchResult): void;
  close(): void;
}

/** One JSON line per result. */
export function resultLine(result: BatchResult): string {
  return `${JSON.stringify(result)}\n`;
}

/** Appends to `path` (created if missing); each line goes to the OS in one write as it finishes. */
export function appendResultsFile(path: string, previous: Pick<PreviousResults, 'needsNewline'>): ResultSink {
  const fd = openSync(path, 'a');
  let closed = false;
  if (previous.needsNewline) writeSync(fd, '\n');
  return {
    write(result) {
      if (closed) throw new Error(`results file ${path} is closed`);
      writeSync(fd, resultLine(result));
    },
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

/** Writes each result line with `out` (stdout). */
export function streamResults(out: (text: string) => void): ResultSink {
  return { write: (result) => out(resultLine(result)), close: () => {} };
}
