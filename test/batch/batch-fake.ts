// Shared by the batch tests: fake-model replies keyed by each conversation's prompt (several agents talk
// to one fake at once, so replies cannot be FIFO-scripted), JSONL helpers, an in-memory CommandIO, and the
// per-test scratch directory + fake server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { CommandIO } from '../../src/cli/command-spec.js';
import { reply, startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type Reply, type ReplySource } from '../support/fake-openai.js';

interface ChatMessage {
  role: string;
  content?: unknown;
}

function text(m: ChatMessage | undefined): string {
  if (!m) return '';
  if (typeof m.content === 'string') return m.content;
  if (Array.isArray(m.content)) return m.content.map((p: { text?: string }) => p.text ?? '').join('');
  return '';
}

/** The conversation's user prompt (the first user message). */
export function promptOf(req: RecordedRequest): string {
  return text(((req.body?.messages ?? []) as ChatMessage[]).find((m) => m.role === 'user'));
}

/** The last message of the request (a tool result after a tool call). */
export function lastMessage(req: RecordedRequest): { role: string; text: string } {
  const messages = (req.body?.messages ?? []) as ChatMessage[];
  const m = messages[messages.length - 1];
  return { role: m?.role ?? '', text: text(m) };
}

export const USAGE = { prompt: 10, completion: 2 };

/** Answers "answer to <prompt>"; prompts starting with "fail" get an HTTP 400, with "hang" a stream that never ends. */
export function echoModel(req: RecordedRequest): Reply {
  const prompt = promptOf(req);
  if (prompt.startsWith('fail')) return reply.error(400, `the fake rejects "${prompt}"`);
  if (prompt.startsWith('hang')) return { type: 'chat', steps: [{ type: 'text', text: 'partial' }, { type: 'hang' }] };
  return reply.text(`answer to ${prompt}`, { usage: USAGE });
}

export function writeJsonl(path: string, lines: readonly (unknown | string)[]): void {
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
}

export function parseJsonl<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}

export interface MemoryIO extends CommandIO {
  stdout(): string;
  stderr(): string;
}

export function memoryIO(env: NodeJS.ProcessEnv): MemoryIO {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env,
    stdout: () => out,
    stderr: () => err,
  };
}

/** Per test of the file: a fresh scratch directory and a fake model answering with `fallback`; both removed after. */
export function scratchWithFake(fallback: ReplySource): { readonly fake: FakeOpenAI; readonly scratch: string } {
  const state = {} as { fake: FakeOpenAI; scratch: string };
  beforeEach(async () => {
    state.scratch = mkdtempSync(join(tmpdir(), 'micro-agi-batch-'));
    state.fake = await startFakeOpenAI({ fallback });
  });
  afterEach(async () => {
    await state.fake.close();
    rmSync(state.scratch, { recursive: true, force: true });
  });
  return state;
}
