// `micro-agi` with no command: the interactive terminal (banner and `> ` first, the session opening behind
// them; a transcript per turn; /tools /reset /cost /model /help; quit/exit/Ctrl-D; Ctrl-C; history, paste).
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { homeLocation } from '../store/home.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import type { AgentSession } from './agent-session.js';
import type { CommandIO } from './command-spec.js';
import { FOLDED_NEWLINE, FoldedTty, PASTE_OFF, PASTE_ON, unfoldLines } from './paste-input.js';
import { historyFile, HISTORY_SIZE, openPromptHistory, type PromptHistory } from './prompt-history.js';
import { needsProviderSetup, providerSetupHelp } from './setup-help.js';
import { TextTranscript } from './transcript.js';

export const BANNER = 'dev assistant (quit to exit)';
export const PROMPT = '> ';
/** The prompt after a line ended with a backslash (the question goes on). */
export const CONTINUATION_PROMPT = '. ';

const HELP =
  'Type a question and press Enter. Commands:\n' +
  '  /tools   list the tools offered to the model\n' +
  '  /reset   forget the conversation (loaded tools stay)\n' +
  '  /cost    tokens used and cost so far\n' +
  '  /model   the model answering; /model NAME switches (the conversation stays)\n' +
  '  /help    this help\n' +
  '  quit     leave (also exit, Ctrl-D)\n' +
  'A pasted block is one question; end a line with \\ to type the next line of the same question.\n' +
  'Ctrl-C cancels a running answer; at the prompt it clears the line, twice in a row leaves.\n';

export interface ReplOptions {
  /** Where lines come from (default process.stdin). */
  readonly input: Readable;
  /** Whether stdin and stdout are a terminal: line editing and markdown rendering. */
  readonly isTTY: boolean;
  /** The terminal stream readline edits on (a TTY only). */
  readonly output?: NodeJS.WritableStream;
}

/** Lines from readline as a queue: `next()` resolves with the next line, or undefined at end of input. */
class LineQueue {
  readonly #lines: string[] = [];
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(rl: Interface) {
    rl.on('line', (line) => {
      this.#lines.push(line);
      this.#wake?.();
    });
    rl.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  async next(): Promise<string | undefined> {
    while (this.#lines.length === 0 && !this.#closed) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
    return this.#lines.shift();
  }
}

/**
 * The agent session, opened behind the prompt: the banner and `> ` come first, the registry, the agent
 * worker and the isolate pool start meanwhile (agent-session and everything heavy it imports are loaded
 * here, lazily). Lines typed before it is ready wait in the line queue; a failure to open ends the REPL.
 */
class SessionOpening {
  readonly #pending: Promise<AgentSession>;
  #session: AgentSession | undefined;
  #failed = false;

  constructor(open: () => Promise<AgentSession>, onFailure: () => void) {
    this.#pending = open();
    this.#pending.then(
      (session) => (this.#session = session),
      () => {
        this.#failed = true;
        onFailure();
      },
    );
  }

  /** The session once open, else undefined. */
  get now(): AgentSession | undefined {
    return this.#session;
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** Resolves with the session; rejects with the reason it could not be opened. */
  get(): Promise<AgentSession> {
    return this.#pending;
  }

  /** Close the session (waiting for it to open first); nothing to do when it failed. */
  async close(): Promise<void> {
    let session: AgentSession;
    try {
      session = await this.#pending;
    } catch {
      return;
    }
    await session.close();
  }
}

/** Run the interactive session; returns the exit status. */
export async function runRepl(args: ParsedArgs, io: CommandIO, options: ReplOptions): Promise<number> {
  if (needsProviderSetup(io.env)) {
    io.err(providerSetupHelp());
    return 2;
  }
  // Up-arrow recalls lines of earlier sessions too (a terminal only: piped input is not typed).
  const history: PromptHistory | undefined = options.isTTY
    ? openPromptHistory(historyFile(homeLocation(stringFlag(args, 'home'), io.env).dir, io.env), (w) => io.err(`micro-agi: warning: ${w}\n`))
    : undefined;
  // A terminal's pasted block stays one question (bracketed paste; its line breaks show as ␤ until sent).
  const input = options.isTTY ? new FoldedTty(options.input) : options.input;
  const pasteMode = (on: boolean): void => void (options.isTTY && options.output?.write(on ? PASTE_ON : PASTE_OFF));
  const pasteModeOff = (): void => pasteMode(false);
  process.once('exit', pasteModeOff); // a crash must not leave the terminal in paste mode
  const rl = createInterface({
    input,
    ...(options.isTTY && options.output ? { output: options.output } : {}),
    terminal: options.isTTY,
    prompt: PROMPT,
    ...(history ? { history: history.lines, historySize: HISTORY_SIZE, removeHistoryDuplicates: true } : {}),
  });
  const lines = new LineQueue(rl);
  const opening = new SessionOpening(
    async () => {
      // The agent's worker boots and imports the agent loop while this thread imports and opens the rest.
      const { prestartAgentWhile } = await import('./agent-prestart.js');
      const flags = { home: stringFlag(args, 'home'), app: stringFlag(args, 'app'), model: stringFlag(args, 'model'), continue: boolFlag(args, 'continue'), resume: stringFlag(args, 'resume') };
      const { prestarted, loaded: session } = await prestartAgentWhile({ ...flags, env: io.env }, () => import('./agent-session.js'));
      const options = session.sessionOptionsFrom(
        flags,
        io.env,
        (w) => io.err(`micro-agi: warning: ${w}\n`),
      );
      return session.openAgentSession({ ...options, prestarted });
    },
    // Ends the line loop, which then reports the failure (a bad --app: file:line, exit status 1).
    () => rl.close(),
  );
  const transcript = new TextTranscript(io, { isTTY: options.isTTY });
  let running = false;
  /** Ctrl-C while a typed prompt still waits for the session: the prompt is dropped. */
  let canceledEarly = false;
  /** Ctrl-C pressed at an empty prompt with nothing typed since: the next one leaves. */
  let armedExit = false;
  /** Lines of the question so far that ended with a backslash. */
  let continued: string[] = [];
  let leave = false;

  const showPrompt = (): void => {
    if (options.isTTY) rl.prompt();
    else io.out(PROMPT);
  };

  const interrupt = (): void => {
    if (running) {
      io.err('^C\n');
      const session = opening.now;
      if (session) session.cancel();
      else canceledEarly = true;
      return;
    }
    const typed = options.isTTY ? rl.line : '';
    if (typed !== '' || continued.length > 0) {
      // clear what was typed (and the lines it continued) and show a fresh prompt
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
      continued = [];
      rl.setPrompt(PROMPT);
      io.out('\n');
      armedExit = false;
      showPrompt();
      return;
    }
    if (armedExit) {
      leave = true;
      rl.close();
      return;
    }
    armedExit = true;
    io.out('\n(press Ctrl-C again to leave, or type quit)\n');
    showPrompt();
  };
  rl.on('SIGINT', interrupt);
  // Without a terminal (stdin is a pipe) Ctrl-C arrives as a signal, not as a key readline reads.
  process.on('SIGINT', interrupt);

  try {
    io.out(`${BANNER}\n${await continuing(args, io.env)}\n`);
    pasteMode(true);
    showPrompt();
    for (;;) {
      const raw = await lines.next();
      if (opening.failed) {
        io.out('\n');
        await opening.get(); // throws the reason: runCli reports it
      }
      if (raw === undefined || leave) {
        // the prompt is still on the line (Ctrl-D, Ctrl-C twice, end of piped input)
        io.out('\n');
        break;
      }
      armedExit = false;
      if (options.isTTY && raw.endsWith('\\')) {
        continued.push(raw.slice(0, -1));
        rl.setPrompt(CONTINUATION_PROMPT);
        showPrompt();
        continue;
      }
      const parts = [...continued, raw];
      continued = [];
      rl.setPrompt(PROMPT);
      const line = unfoldLines(parts.join('\n')).trim();
      if (line === '') {
        showPrompt();
        continue;
      }
      history?.record(parts.join(FOLDED_NEWLINE));
      if (line === 'quit' || line === 'exit') {
        if (!options.isTTY) io.out('\n'); // a terminal echoed the line; a pipe did not
        break;
      }
      if (line.startsWith('/')) {
        await slashCommand(line, opening, io);
        showPrompt();
        continue;
      }
      running = true;
      canceledEarly = false;
      try {
        // A prompt typed while the session opens waits for it here (nothing typed is lost).
        const session = opening.now ?? (await opening.get());
        if (canceledEarly) {
          io.err('(turn canceled)\n');
        } else {
          const turn = session.prompt(line, (event: AgentEvent) => transcript.handle(event));
          await turn.done;
        }
      } finally {
        running = false;
        transcript.endTurn();
      }
      showPrompt();
    }
    io.out('Bye!\n');
    return 0;
  } finally {
    process.removeListener('SIGINT', interrupt);
    rl.close();
    if (input instanceof FoldedTty) input.detach();
    pasteModeOff();
    process.removeListener('exit', pasteModeOff);
    await opening.close();
  }
}

/**
 * With --continue or --resume, a line saying which conversation goes on (read ahead of the session, which reports a
 * missing or damaged save itself); otherwise nothing.
 */
async function continuing(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<string> {
  const resume = stringFlag(args, 'resume');
  if (!boolFlag(args, 'continue') && resume === undefined) return '';
  const home = homeLocation(stringFlag(args, 'home'), env).dir;
  // Loaded only here: the saved-session schema pulls zod, which the prompt's first paint does not wait for.
  const { readSavedSession, sessionToResume } = await import('../agent/saved-sessions.js');
  try {
    const file = sessionToResume(home, resume);
    if (file === undefined) return '';
    const saved = readSavedSession(file);
    const asked = saved.messages.filter((m) => m.role === 'user').length;
    // Not toLocaleString: that loads ICU's data (20-36 ms, ~8 MB) on this thread.
    const d = new Date(saved.updated);
    const two = (n: number): string => String(n).padStart(2, '0');
    const when = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
    return `(continuing the conversation of ${when}: ${asked} question${asked === 1 ? '' : 's'}, ${saved.model})\n`;
  } catch {
    return '';
  }
}

async function slashCommand(line: string, opening: SessionOpening, io: CommandIO): Promise<void> {
  const word = line.split(/\s+/)[0]!;
  switch (word) {
    case '/help':
      io.out(HELP);
      return;
    case '/reset':
      (await opening.get()).reset();
      io.out('(conversation reset; loaded tools stay)\n');
      return;
    case '/tools':
      io.out(formatTools(await (await opening.get()).query('tools')));
      return;
    case '/cost':
      io.out(formatCost(await (await opening.get()).query('cost')));
      return;
    case '/model': {
      const session = await opening.get();
      const name = line.slice(word.length).trim();
      if (name !== '') {
        const switched = await session.setModel(name);
        io.out('error' in switched ? `model not changed: ${switched.error}\n` : `model: ${switched.model} (agent ${switched.agent}) from the next question on\n`);
        return;
      }
      // The agent announces its model once started; a query answers only after that announcement.
      if (!session.info) await session.query('cost');
      const info = session.info;
      io.out(info ? `model: ${info.model} (agent ${info.agent})\n` : '(the agent has not announced its model)\n');
      return;
    }
    default:
      io.out(`unknown command ${word}; /help lists the commands\n`);
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The offered tools, one per line: name, registry id and description when the agent gives them. */
export function formatTools(data: unknown): string {
  const list = Array.isArray(data) ? data : Array.isArray((data as { tools?: unknown })?.tools) ? (data as { tools: unknown[] }).tools : [];
  if (list.length === 0) return '(no tools offered)\n';
  return list
    .map((t) => {
      if (typeof t === 'string') return `  ${t}\n`;
      const o = (t ?? {}) as Record<string, unknown>;
      const name = text(o.alias) ?? text(o.name) ?? text(o.id) ?? '?';
      const id = text(o.id) && o.id !== name ? ` (${String(o.id)})` : '';
      const desc = text(o.description);
      return `  ${name}${id}${desc ? ` - ${desc.split('\n')[0]}` : ''}\n`;
    })
    .join('');
}

/** Tokens and dollars of the session so far. */
export function formatCost(data: unknown): string {
  const o = (data ?? {}) as Record<string, unknown>;
  const tokens = (o.tokens ?? o) as Record<string, unknown>;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const cost = n(o.session_cost ?? o.cost);
  const steps = typeof o.steps === 'number' ? `${o.steps} model call${o.steps === 1 ? '' : 's'}; ` : '';
  return (
    steps +
    `tokens: ${n(tokens.prompt)} prompt (${n(tokens.cached)} cached), ${n(tokens.completion)} completion ` +
    `(${n(tokens.reasoning)} reasoning), ${n(tokens.total)} total\n` +
    `cost: $${cost.toFixed(cost < 0.01 ? 6 : 4)}\n`
  );
}
