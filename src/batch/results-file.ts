// The --out results file: the ids a previous run already wrote (so a rerun skips them) and the sink that
// appends one JSON line per finished prompt, each written through to the file before the next.
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { asBatchId, idKey } from './batch-input.js';
import type { BatchResult } from './batch-result.js';

export interface PreviousResults {
  /** idKey of every id with a result line in the file. */
  readonly keys: ReadonlySet<string>;
  /** Line numbers of lines that are not results (e.g. cut short by a crash); they are left as they are. */
  readonly unreadable: number[];
  /** The file ends without a newline (a line cut short): the next write starts on a new line. */
  readonly needsNewline: boolean;
}

/** Read the ids already answered in `path` (none when it does not exist). */
export function readPreviousResults(path: string): PreviousResults {
  if (!existsSync(path)) return { keys: new Set(), unreadable: [], needsNewline: false };
  const text = readFileSync(path, 'utf8');
  const keys = new Set<string>();
  const unreadable: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const id = asBatchId((JSON.parse(line) as { id?: unknown } | null)?.id);
      if (id === undefined) unreadable.push(i + 1);
      else keys.add(idKey(id));
    } catch {
      unreadable.push(i + 1);
    }
  });
  return { keys, unreadable, needsNewline: text.length > 0 && !text.endsWith('\n') };
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
