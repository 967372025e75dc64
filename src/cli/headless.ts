// `micro-agi -p PROMPT`: one agent turn without a prompt loop (piped input joins the prompt; `-p -` is all
// stdin), shown as the transcript or as JSON lines (--json), with an exit status a script can test.
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import { openAgentSession, sessionOptionsFrom, type TurnStatus } from './agent-session.js';
import type { CommandIO } from './command-spec.js';
import type { PrestartedWorker } from '../host/prestart.js';
import { needsProviderSetup, providerSetupHelp } from './setup-help.js';
import { JsonTranscript, TextTranscript, type Transcript } from './transcript.js';

/**
 * Exit status of a headless run: 0 the model answered; 1 the turn failed (LLM or agent error) or was
 * canceled (SIGINT); 2 usage or setup errors (no model configured); 3 the step limit ended the turn
 * before an answer.
 */
export const HEADLESS_EXIT: Readonly<Record<TurnStatus, number>> = {
  answered: 0,
  failed: 1,
  canceled: 1,
  step_limit: 3,
};

/** Piped input read for `-p`: beyond this, the run is refused (it would not fit a model's context anyway). */
export const MAX_STDIN_BYTES = 1024 * 1024;

export interface HeadlessOptions {
  /** Whether stdout is a terminal (markdown is rendered as ANSI only then). */
  readonly isTTY: boolean;
  /**
   * Reads piped standard input to its end (undefined when stdin is a terminal): `-p -` takes the prompt
   * from it; with `-p PROMPT`, what it holds follows the prompt after a blank line.
   */
  readonly readStdin?: (maxBytes: number) => Promise<string | undefined>;
  /** The agent's worker, started before this module was imported (see agent-prestart.ts); consumed here. */
  readonly prestarted?: PrestartedWorker;
}

/** Run the prompt of `-p` as one turn; returns the exit status. */
export async function runHeadless(args: ParsedArgs, io: CommandIO, options: HeadlessOptions): Promise<number> {
  const prompt = stringFlag(args, 'prompt');
  const refuse = (text: string): number => {
    options.prestarted?.dispose();
    io.err(text);
    return 2;
  };
  if (prompt === undefined || prompt.trim() === '') return refuse('micro-agi: -p needs a prompt, e.g. micro-agi -p "what time is it?"\n');
  if (needsProviderSetup(io.env)) return refuse(providerSetupHelp());
  const asked = await withStdin(prompt, options.readStdin);
  if ('problem' in asked) return refuse(`micro-agi: ${asked.problem}\n`);
  const json = boolFlag(args, 'json');
  const session = await openAgentSession({
    ...sessionOptionsFrom(
      { home: stringFlag(args, 'home'), app: stringFlag(args, 'app'), model: stringFlag(args, 'model'), continue: boolFlag(args, 'continue'), resume: stringFlag(args, 'resume') },
      io.env,
      (w) => io.err(`micro-agi: warning: ${w}\n`),
    ),
    ...(options.prestarted ? { prestarted: options.prestarted } : {}),
  });
  const transcript: Transcript = json ? new JsonTranscript(io) : new TextTranscript(io, { isTTY: options.isTTY });
  const onSigint = (): void => {
    session.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const running = session.prompt(asked.text, (event: AgentEvent) => transcript.handle(event));
    const outcome = await running.done;
    transcript.endTurn();
    return HEADLESS_EXIT[outcome.status];
  } finally {
    process.removeListener('SIGINT', onSigint);
    await session.close();
  }
}

/** The turn's text: the prompt, stdin's text after it, or (`-` alone) stdin's text; or why it cannot run. */
async function withStdin(prompt: string, readStdin: HeadlessOptions['readStdin']): Promise<{ text: string } | { problem: string }> {
  const fromStdin = prompt.trim() === '-';
  if (!readStdin) return fromStdin ? { problem: '-p - reads the prompt from standard input, which is a terminal here; pipe the text in' } : { text: prompt };
  const piped = await readStdin(MAX_STDIN_BYTES);
  if (piped === undefined) return { problem: `standard input is over ${MAX_STDIN_BYTES / (1024 * 1024)} MB; pass a smaller part of it` };
  if (fromStdin) return piped.trim() === '' ? { problem: '-p - found nothing on standard input' } : { text: piped };
  return { text: piped.trim() === '' ? prompt : `${prompt}\n\n${piped}` };
}

/** Reads `stream` to its end; undefined once it passes `maxBytes` (the rest is not read). */
export async function readToEnd(stream: NodeJS.ReadableStream, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > maxBytes) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}
