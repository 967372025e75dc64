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
        this.#out(failure === undefined ? `  [${event.name}] ok\n` : `  [${event.name}] error: ${oneLine(failure)}\n`);
        return;
      }
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
      case 'tool_call':
      case 'usage':
      case 'info':
        return;
    }
  }

  endTurn(): void {
    this.#thinkingNoted = false;
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
