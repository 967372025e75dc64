// The batch input file: JSON lines `{"id": ..., "prompt": ..., "model"?: ...}` parsed into items, and the bad
// lines (not JSON, missing id or prompt, duplicate id, bad model) with their line numbers; blank lines are ignored.

/** An item's id as written in the input: a non-empty string or a finite number. */
export type BatchId = string | number;

export interface BatchItem {
  readonly id: BatchId;
  /** The id's identity across files (a string id "1" and a number id 1 are different ids). */
  readonly key: string;
  readonly prompt: string;
  /** The model this prompt's agent uses instead of the batch's (--model, else the agent's own). */
  readonly model?: string;
  /** 1-based line number in the input file. */
  readonly line: number;
}

export interface BadLine {
  readonly line: number;
  readonly problem: string;
}

export interface BatchInput {
  readonly items: BatchItem[];
  readonly bad: BadLine[];
}

/** The identity of an id: its JSON text. */
export function idKey(id: BatchId): string {
  return JSON.stringify(id);
}

/** A valid id, or undefined. */
export function asBatchId(value: unknown): BatchId | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return undefined;
}

function short(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** Parse the whole input; every line is either an item or a bad line (blank lines are neither). */
export function parseBatchInput(text: string): BatchInput {
  const items: BatchItem[] = [];
  const bad: BadLine[] = [];
  const firstLine = new Map<string, number>();
  // A byte order mark (files saved by some Windows editors) is not part of the first line's JSON.
  const lines = (text.startsWith('\ufeff') ? text.slice(1) : text).split('\n');
  lines.forEach((raw, index) => {
    const line = index + 1;
    const source = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (source.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      bad.push({ line, problem: `not JSON (${(err as Error).message}): ${short(source.trim())}` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      bad.push({ line, problem: 'expected an object {"id": ..., "prompt": "..."}' });
      return;
    }
    const record = value as Record<string, unknown>;
    const id = asBatchId(record.id);
    if (id === undefined) {
      const what = record.id === undefined ? 'missing "id"' : `"id" must be a non-empty string or a number, got ${short(typeof record.id === 'number' ? String(record.id) : (JSON.stringify(record.id) ?? String(record.id)))}`;
      bad.push({ line, problem: what });
      return;
    }
    const prompt = record.prompt;
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      bad.push({ line, problem: prompt === undefined ? `missing "prompt" (id ${idKey(id)})` : `"prompt" must be a non-empty string (id ${idKey(id)})` });
      return;
    }
    const model = record.model;
    if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) {
      bad.push({ line, problem: `"model" must be a non-empty string (id ${idKey(id)})` });
      return;
    }
    const key = idKey(id);
    const first = firstLine.get(key);
    if (first !== undefined) {
      bad.push({ line, problem: `duplicate id ${key} (first on line ${first})` });
      return;
    }
    firstLine.set(key, line);
    items.push({ id, key, prompt, line, ...(model !== undefined ? { model } : {}) });
  });
  return { items, bad };
}
