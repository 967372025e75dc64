// `micro-agi` with no command: the interactive terminal (banner, `> ` prompt, transcript per turn,
// /tools /reset /cost /help, quit/exit/Ctrl-D to leave, Ctrl-C cancels a turn or clears the line).
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { stringFlag, type ParsedArgs } from './argv.js';
import { openAgentSession, sessionOptionsFrom, type AgentSession } from './agent-session.js';
import type { CommandIO } from './command-spec.js';
import { needsProviderSetup, providerSetupHelp } from './setup-help.js';
import { TextTranscript } from './transcript.js';

export const BANNER = 'dev assistant (quit to exit)';
export const PROMPT = '> ';

const HELP =
  'Type a question and press Enter. Commands:\n' +
  '  /tools   list the tools offered to the model\n' +
  '  /reset   forget the conversation (loaded tools stay)\n' +
  '  /cost    tokens used and cost so far\n' +
  '  /help    this help\n' +
  '  quit     leave (also exit, Ctrl-D)\n' +
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

/** Run the interactive session; returns the exit status. */
export async function runRepl(args: ParsedArgs, io: CommandIO, options: ReplOptions): Promise<number> {
  if (needsProviderSetup(io.env)) {
    io.err(providerSetupHelp());
    return 2;
  }
  const session = await openAgentSession(
    sessionOptionsFrom(
      { home: stringFlag(args, 'home'), app: stringFlag(args, 'app'), model: stringFlag(args, 'model') },
      io.env,
      (w) => io.err(`micro-agi: warning: ${w}\n`),
    ),
  );
  const rl = createInterface({
    input: options.input,
    ...(options.isTTY && options.output ? { output: options.output } : {}),
    terminal: options.isTTY,
    prompt: PROMPT,
  });
  const lines = new LineQueue(rl);
  const transcript = new TextTranscript(io, { isTTY: options.isTTY });
  let running = false;
  /** Ctrl-C pressed at an empty prompt with nothing typed since: the next one leaves. */
  let armedExit = false;
  let leave = false;

  const showPrompt = (): void => {
    if (options.isTTY) rl.prompt();
    else io.out(PROMPT);
  };

  const interrupt = (): void => {
    if (running) {
      io.err('^C\n');
      session.cancel();
      return;
    }
    const typed = options.isTTY ? rl.line : '';
    if (typed !== '') {
      // clear what was typed and show a fresh prompt
      rl.write(null, { ctrl: true, name: 'e' });
      rl.write(null, { ctrl: true, name: 'u' });
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
    io.out(`${BANNER}\n\n`);
    showPrompt();
    for (;;) {
      const raw = await lines.next();
      if (raw === undefined || leave) {
        // the prompt is still on the line (Ctrl-D, Ctrl-C twice, end of piped input)
        io.out('\n');
        break;
      }
      const line = raw.trim();
      armedExit = false;
      if (line === '') {
        showPrompt();
        continue;
      }
      if (line === 'quit' || line === 'exit') {
        if (!options.isTTY) io.out('\n'); // a terminal echoed the line; a pipe did not
        break;
      }
      if (line.startsWith('/')) {
        await slashCommand(line, session, io);
        showPrompt();
        continue;
      }
      running = true;
      try {
        const turn = session.prompt(line, (event: AgentEvent) => transcript.handle(event));
        await turn.done;
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
    await session.close();
  }
}

async function slashCommand(line: string, session: AgentSession, io: CommandIO): Promise<void> {
  const word = line.split(/\s+/)[0]!;
  switch (word) {
    case '/help':
      io.out(HELP);
      return;
    case '/reset':
      session.reset();
      io.out('(conversation reset; loaded tools stay)\n');
      return;
    case '/tools':
      io.out(formatTools(await session.query('tools')));
      return;
    case '/cost':
      io.out(formatCost(await session.query('cost')));
      return;
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
  const steps = typeof o.steps === 'number' ? `${o.steps} model calls; ` : '';
  return (
    steps +
    `tokens: ${n(tokens.prompt)} prompt (${n(tokens.cached)} cached), ${n(tokens.completion)} completion ` +
    `(${n(tokens.reasoning)} reasoning), ${n(tokens.total)} total\n` +
    `cost: $${cost.toFixed(cost < 0.01 ? 6 : 4)}\n`
  );
}
