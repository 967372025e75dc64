// Renders the agent's events for a person (the seed's transcript: `  [name] ok`, `  [+] id`, the streamed
// answer) or for a program (--json: one JSON line per event). Answers go to stdout; notes go to stderr.
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { answerRenderer, type AnswerRenderer } from './markdown.js';

export interface TranscriptIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Something that shows a turn's events. `endTurn` is called once the turn is over (turn_end or failure). */
export interface Transcript {
  handle(event: AgentEvent): void;
  endTurn(): void;
}

/** Event types --json prints (one line each); the rest (ready, thinking, turn_end, info) are not shown. */
export const JSON_EVENT_TYPES: ReadonlySet<AgentEvent['type']> = new Set([
  'chunk',
  'tool_call',
  'tool_result',
  'tool_loaded',
  'compressed',
  'answer',
  'usage',
  'error',
]);

/** A tool error message on one line (the transcript is line-oriented). */
export function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}

/** Why a tool call failed, or undefined when it succeeded (the agent marks `{error = ...}` values as failures too). */
export function toolFailure(event: Extract<AgentEvent, { type: 'tool_result' }>): string | undefined {
  return event.ok ? undefined : (event.error?.message ?? 'failed');
}

/** Arguments shown after a tool line on a terminal: at most this many, each value cut to ARG_CHARS. */
const SHOWN_ARGS = 3;
const ARG_CHARS = 40;

/**
 * A call's arguments as a short `key="value"` list for a person watching (strings on one line, numbers,
 * booleans; a multi-line text such as a tool's source, objects and arrays are left out).
 */
export function argumentSummary(args: unknown): string {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
    if (parts.length === SHOWN_ARGS) break;
    if (typeof value === 'number' || typeof value === 'boolean') parts.push(`${key}=${value}`);
    else if (typeof value === 'string' && !value.includes('\n')) {
      const cut = value.length > ARG_CHARS ? `${value.slice(0, ARG_CHARS - 1)}…` : value;
      parts.push(`${key}=${JSON.stringify(cut)}`);
    }
  }
  return parts.join(' ');
}

/** The seed's transcript: tool lines indented by two spaces, then the streamed answer and a newline. */
export class TextTranscript implements Transcript {
  readonly #io: TranscriptIO;
  readonly #isTTY: boolean;
  #renderer: AnswerRenderer;
  /** False while the last character written to stdout was not a newline. */
  #atLineStart = true;
  #streamed = false;
  /** True once this stretch of reasoning was announced (TTY only; reset by the next output). */
  #thinkingNoted = false;
  /** Argument summaries of the calls not answered yet, by call id (TTY only). */
  readonly #callArgs = new Map<string, string>();

  constructor(io: TranscriptIO, options: { isTTY: boolean }) {
    this.#io = io;
    this.#isTTY = options.isTTY;
    this.#renderer = answerRenderer(options.isTTY);
  }

  #out(text: string): void {
    if (text === '') return;
    this.#io.out(text);
    this.#atLineStart = text.endsWith('\n');
  }

  /** Finish a partly printed answer line before printing something else. */
  #breakLine(): void {
    this.#out(this.#renderer.end());
    if (!this.#atLineStart) this.#out('\n');
  }

  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'chunk':
        this.#thinkingNoted = false;
        this.#streamed = true;
        this.#out(this.#renderer.write(event.content));
        // A held-back ANSI line still counts as text on the current line.
        if (event.content !== '' && !event.content.endsWith('\n')) this.#atLineStart = false;
        return;
      case 'tool_result': {
        this.#thinkingNoted = false;
        this.#breakLine();
        const failure = toolFailure(event);
        // On a terminal an ok line also says what the tool was asked (dim); piped, the seed's line exactly.
        const args = this.#callArgs.get(event.id);
        this.#callArgs.delete(event.id);
        const asked = failure === undefined && args ? ` \x1b[2m${args}\x1b[22m` : '';
        this.#out(failure === undefined ? `  [${event.name}] ok${asked}\n` : `  [${event.name}] error: ${oneLine(failure)}\n`);
        return;
      }
      case 'tool_call':
        if (this.#isTTY) {
          const summary = argumentSummary(event.arguments);
          if (summary !== '') this.#callArgs.set(event.id, summary);
        }
        return;
      case 'tool_loaded':
        this.#breakLine();
        this.#out(`  [+] ${event.id}\n`);
        return;
      case 'answer':
        if (!this.#streamed && event.text !== '') this.#out(this.#renderer.write(event.text));
        if (!this.#streamed && event.text !== '' && !event.text.endsWith('\n')) this.#atLineStart = false;
        this.#breakLine();
        if (event.truncated) this.#io.err('  (the answer was cut off at the model\'s output token limit)\n');
        return;
      case 'compressed':
        this.#breakLine();
        this.#io.err(
          `  [compressed] context ${event.before_chars} -> ${event.after_chars} characters (prompt was ${event.estimated ? 'about ' : ''}${event.prompt_tokens} tokens` +
            `${event.reason === 'overflow' ? '; the model refused it as too long, retrying' : ''})\n`,
        );
        return;
      case 'error':
        this.#breakLine();
        this.#io.err(`error: ${event.error.message}\n`);
        return;
      case 'turn_end':
        this.#breakLine();
        if (event.status === 'canceled') this.#io.err('(turn canceled)\n');
        else if (event.status === 'step_limit') this.#io.err(`(stopped: the step limit was reached after ${event.steps} steps)\n`);
        return;
      case 'thinking':
        // A reasoning model can think for a long while before its first word: say so on a terminal (the
        // reasoning itself is not printed; piped output keeps the seed's transcript exactly).
        if (this.#isTTY && !this.#thinkingNoted && event.content !== '') {
          this.#thinkingNoted = true;
          this.#breakLine();
          this.#io.err('  (thinking...)\n');
        }
        return;
      case 'ready':
      case 'usage':
      case 'info':
        return;
    }
  }

  endTurn(): void {
    this.#thinkingNoted = false;
    this.#callArgs.clear();
    this.#breakLine();
    this.#renderer = answerRenderer(this.#isTTY);
    this.#streamed = false;
  }
}

/** JSON text of an event (bigints as strings, bytes as latin1 text). */
export function eventJson(event: AgentEvent): string {
  return JSON.stringify(event, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
  );
}

/** --json: one line per chunk, tool_call, tool_result, tool_loaded, compressed, answer, usage, error event. */
export class JsonTranscript implements Transcript {
  readonly #io: TranscriptIO;

  constructor(io: TranscriptIO) {
    this.#io = io;
  }

  handle(event: AgentEvent): void {
    if (JSON_EVENT_TYPES.has(event.type)) this.#io.out(eventJson(event) + '\n');
  }

  endTurn(): void {}
}
