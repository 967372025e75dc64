// `micro-agi -p PROMPT`: one agent turn without a prompt loop, shown as the transcript or as JSON lines
// (--json), with an exit status a script can test (see HEADLESS_EXIT).
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

export interface HeadlessOptions {
  /** Whether stdout is a terminal (markdown is rendered as ANSI only then). */
  readonly isTTY: boolean;
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
  const json = boolFlag(args, 'json');
  const session = await openAgentSession({
    ...sessionOptionsFrom(
      { home: stringFlag(args, 'home'), app: stringFlag(args, 'app'), model: stringFlag(args, 'model') },
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
    const running = session.prompt(prompt, (event: AgentEvent) => transcript.handle(event));
    const outcome = await running.done;
    transcript.endTurn();
    return HEADLESS_EXIT[outcome.status];
  } finally {
    process.removeListener('SIGINT', onSigint);
    await session.close();
  }
}
