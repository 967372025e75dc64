// The `micro-agi` command: the command table, dispatch, help and usage errors, and error reporting.
// Command modules (even the tools-authoring table, which loads zod) are imported only when needed.
import nodeModule from 'node:module';
import { errorCode, errorMessage } from '../errors/app-error.js';
import { parseArgv, stringFlag, type FlagSpecs } from './argv.js';
import { GLOBAL_FLAGS, JSON_FLAG, type CommandIO, type CommandSpec } from './command-spec.js';

const PROG = 'micro-agi';

/**
 * The commands before the tools-authoring group. Later issues add their groups here (one block per group,
 * handlers in their own files, always behind a lazy `load`).
 */
const COMMANDS_BEFORE_AUTHORING: readonly CommandSpec[] = [
  // --- registry: src/cli/registry-command.ts
  {
    words: ['registry', 'ls'],
    summary: 'list registry entries (id, kind, type, title)',
    help: 'Lists the entries of the current registry version, sorted by id. --kind and --ns accept * globs\n' +
      '(e.g. --kind "function.*", --ns "app.*").',
    flags: {
      ...JSON_FLAG,
      kind: { type: 'string', value: 'KIND', help: 'only entries of this kind (glob)' },
      ns: { type: 'string', value: 'NS', help: 'only entries of this namespace (glob)' },
    },
    positionals: { min: 0, max: 0 },
    load: () => import('./registry-command.js').then((m) => m.registryLs),
  },
  {
    words: ['registry', 'show'],
    args: 'ID',
    summary: 'show one entry (meta and data) as YAML',
    flags: { ...JSON_FLAG },
    positionals: { min: 1, max: 1 },
    load: () => import('./registry-command.js').then((m) => m.registryShow),
  },
  {
    words: ['registry', 'history'],
    args: 'ID',
    summary: 'list the versions that changed an entry (version, time, actor, change)',
    flags: { ...JSON_FLAG },
    positionals: { min: 1, max: 1 },
    load: () => import('./registry-command.js').then((m) => m.registryHistory),
  },
  // --- policy: src/cli/policy-command.ts
  {
    words: ['policy', 'check'],
    args: 'ACTION RESOURCE',
    summary: 'evaluate a named scope: prints allow, deny or undefined',
    help: 'Evaluates ACTION on RESOURCE against the security.policy entries of a named scope (a policy\n' +
      'group, e.g. app:agent_security), as the actor given by --actor. Exit status 0 for every decision.',
    flags: {
      ...JSON_FLAG,
      scope: { type: 'string', value: 'GROUP', help: 'named scope (policy group id), e.g. app:agent_security' },
      actor: { type: 'string', value: 'ID', help: 'actor id (default service:agent, meta {role: agent})' },
    },
    positionals: { min: 2, max: 2 },
    load: () => import('./policy-command.js').then((m) => m.policyCheck),
  },
  // --- tools: src/cli/tools-command.ts
  {
    words: ['tools', 'ls'],
    summary: 'list tool entries (function.lua / function.js) with their modules',
    flags: { ...JSON_FLAG },
    positionals: { min: 0, max: 0 },
    load: () => import('./tools-command.js').then((m) => m.toolsLs),
  },
  {
    words: ['tools', 'show'],
    args: 'ID',
    summary: 'show a tool entry and the isolate spec it runs with (trust, modules, limits)',
    flags: { ...JSON_FLAG },
    positionals: { min: 1, max: 1 },
    load: () => import('./tools-command.js').then((m) => m.toolsShow),
  },
  {
    words: ['tools', 'run'],
    args: 'ID',
    summary: 'run a tool directly in an isolate (no LLM); non-zero exit on error',
    help: 'Runs the tool entry ID through the isolate pool with --input (JSON, default null) as the actor\n' +
      'user:cli. Prints the result as JSON, or the error kind and message on stderr (exit status 1). A\n' +
      'result that reports a failure ({error = ...}, the tools\' convention) is printed and exits 1 too.\n' +
      'Network access follows MICRO_AGI_NET_ALLOW; MICRO_AGI_DOCS_REMOTE is seen by doc_search. Input the\n' +
      'tool\'s input_schema refuses is refused first (exit 2), as the agent refuses such a call from a model.',
    flags: {
      ...JSON_FLAG,
      input: { type: 'string', value: 'JSON', help: 'the tool input as JSON (default null)' },
      unchecked: { type: 'boolean', help: "run even when --input does not match the tool's input_schema" },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./tools-command.js').then((m) => m.toolsRun),
  },
];

/** The commands after the tools-authoring group (create, rm, history, rollback, export). */
const COMMANDS_AFTER_AUTHORING: readonly CommandSpec[] = [
  // --- sessions: src/cli/sessions-command.ts
  {
    words: ['sessions'],
    summary: 'list the saved conversations, newest first (ID for --resume ID; -c takes the newest)',
    flags: { ...JSON_FLAG },
    positionals: { min: 0, max: 0 },
    load: () => import('./sessions-command.js').then((m) => m.sessionsCommand),
  },
  // --- stress: src/cli/stress-command.ts
  {
    words: ['stress'],
    summary: 'stress-test tool isolation with benign and hostile tools; exit 1 on any escape',
    help: 'Drives the isolate pool with benign Lua/JS tools (baseline), then the same number of calls with a\n' +
      'share of hostile ones (loops, memory bombs, recursion, huge output, sandbox escapes, SSRF to refused\n' +
      'addresses). Reports throughput, benign p50/p95/p99 and their mix/baseline ratio, containment per\n' +
      'hostile class, benign failures, worker replacements, long calls (and whether they yielded the CPU:\n' +
      'Linux with CAP_SYS_NICE or RLIMIT_NICE) and supervisor RSS. Exit 1 if any hostile call escaped or\n' +
      'ended other than declared, or any benign call failed. Progress goes to stderr on a terminal.',
    flags: {
      ...JSON_FLAG,
      calls: { type: 'string', value: 'N', help: 'calls per phase (default 300)' },
      concurrency: { type: 'string', value: 'C', help: 'calls in flight (default twice the pool size)' },
      hostile: { type: 'string', value: 'RATIO', help: 'share of hostile calls in the mix, 0..1 (default 0.1)' },
      duration: { type: 'string', value: 'S', help: 'also stop each phase after S seconds (whichever ends first)' },
      seed: { type: 'string', value: 'N', help: 'seed for call order, picks and inputs (default random, reported)' },
    },
    positionals: { min: 0, max: 0 },
    load: () => import('./stress-command.js').then((m) => m.stressCommand),
  },
  // --- batch: src/cli/batch-command.ts
  {
    words: ['batch'],
    args: 'FILE.jsonl',
    summary: 'run each {"id", "prompt"} line in its own agent process; results as JSON lines',
    help: 'Runs each line {"id": ..., "prompt": "...", "model"?: "..."} of FILE (- reads standard input) as one\n' +
      'turn of its own agent process (with the line\'s model, else --model), up to --concurrency at once, all\n' +
      'sharing one registry, isolate pool and tool service. Each result is a JSON line {"id", "answer",\n' +
      '"tools_called", "tools_created", "tokens", "cost", "ms", "model", "error"?} written as it finishes, to\n' +
      'stdout or appended to --out (a rerun with the same --out skips ids already in it; with --retry-failed\n' +
      'it runs the failed ones again and their old lines are removed). Bad lines are reported on stderr with\n' +
      'their line number and skipped. Progress on a terminal\'s stderr. Exit status 0 when every valid line\n' +
      'was answered, 1 when some failed or were not run (Ctrl-C, --max-cost), 2 for usage errors.',
    flags: {
      concurrency: { type: 'string', value: 'N', help: 'agent processes running at once (default 4)' },
      out: { type: 'string', value: 'FILE', help: 'append results to FILE; a rerun skips ids already in it' },
      'retry-failed': { type: 'boolean', help: 'with --out: run again the ids whose result there is an error' },
      timeout: { type: 'string', value: 'S', help: 'cancel a prompt still running after S seconds (a timeout error)' },
      'max-cost': { type: 'string', value: 'USD', help: 'start no more prompts once the finished ones cost USD dollars' },
      model: { type: 'string', value: 'MODEL', help: 'the model of every line that names none' },
    },
    positionals: { min: 1, max: 1 },
    load: () => import('./batch-command.js').then((m) => m.batchCommand),
  },
];

let allCommands: readonly CommandSpec[] | undefined;

/** Every command, in help order; the tools-authoring table (src/cli/tools-authoring-command.ts) loads on first need. */
export async function commands(): Promise<readonly CommandSpec[]> {
  if (!allCommands) {
    const { TOOLS_AUTHORING_COMMANDS } = await import('./tools-authoring-command.js');
    allCommands = [...COMMANDS_BEFORE_AUTHORING, ...TOOLS_AUTHORING_COMMANDS, ...COMMANDS_AFTER_AUTHORING];
  }
  return allCommands;
}

/** Flags of the agent itself (no command): `-p` is short for `--prompt`, `-c` for `--continue`. */
export const AGENT_FLAGS: FlagSpecs = {
  prompt: { type: 'string', value: 'PROMPT', help: '(-p) run one agent turn without the prompt loop, then exit; piped stdin follows PROMPT (-p -: stdin is the prompt)' },
  json: { type: 'boolean', help: 'with -p: print the events as JSON lines instead of the transcript' },
  continue: { type: 'boolean', help: '(-c) go on with the last conversation (saved in <home>/sessions after every turn)' },
  resume: { type: 'string', value: 'ID', help: 'go on with the saved conversation ID (or a unique prefix; micro-agi sessions lists them)' },
  model: { type: 'string', value: 'MODEL', help: 'the model to use (a model entry or the provider\'s model name)' },
};

/** Run the CLI on `argv` (without node and script); returns the exit status. */
export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    const code = errorCode(err);
    io.err(`${PROG}: ${errorMessage(err)}\n`);
    if (io.env.MICRO_AGI_DEBUG === '1' && err instanceof Error && err.stack) io.err(err.stack + '\n');
    if (code === 'USAGE') {
      io.err(`Run '${PROG} --help' for usage.\n`);
      return 2;
    }
    return 1;
  }
}

async function dispatch(rawArgv: readonly string[], io: CommandIO): Promise<number> {
  const argv = rawArgv.map((a) => (a === '-p' ? '--prompt' : a === '-c' ? '--continue' : a));
  // The agent (REPL / -p) with only its own flags needs no command table: nothing more is imported.
  const table = agentOnly(argv) ? [] : await commands();
  const positions = positionalIndexes(argv, table);
  const first = positions[0] === undefined ? undefined : argv[positions[0]];
  const wantsHelp = argv.includes('--help') || argv.includes('-h');

  if (first === undefined || first === 'help') {
    if (wantsHelp || first === 'help') {
      io.out(globalHelp(await commands()));
      return 0;
    }
    // No command: the agent. `-p PROMPT` runs one turn headless (src/cli/headless.ts), else the REPL.
    let args;
    try {
      args = parseArgv(argv, { ...GLOBAL_FLAGS, ...AGENT_FLAGS });
    } catch (err) {
      if (errorCode(err) === 'USAGE') return usage(io, errorMessage(err), commandList(await commands()));
      throw err;
    }
    if (args.positionals.length > 0) return usage(io, `unknown command '${args.positionals[0]}'`, commandList(await commands()));
    const { needsProviderSetup, providerSetupHelp } = await import('./setup-help.js');
    if (needsProviderSetup(io.env)) {
      io.err(`${providerSetupHelp(PROG)}\n${commandList(await commands())}`);
      return 2;
    }
    if (args.flags.prompt !== undefined) {
      // The agent's worker boots and imports the agent loop while this thread imports and opens the rest.
      const { prestartAgentWhile } = await import('./agent-prestart.js');
      const target = { home: stringFlag(args, 'home'), app: stringFlag(args, 'app'), env: io.env };
      const { prestarted, loaded } = await prestartAgentWhile(target, () => import('./headless.js'));
      const stdin = process.stdin.isTTY === true ? undefined : (max: number) => loaded.readToEnd(process.stdin, max);
      return loaded.runHeadless(args, io, { isTTY: process.stdout.isTTY === true, prestarted, ...(stdin ? { readStdin: stdin } : {}) });
    }
    if (args.flags.json === true) return usage(io, '--json needs -p PROMPT (the interactive session prints text)', commandList(await commands()));
    const { runRepl } = await import('./repl.js');
    const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
    return runRepl(args, io, { input: process.stdin, output: process.stdout, isTTY: tty });
  }

  const group = table.filter((c) => c.words[0] === first);
  if (group.length === 0) return usage(io, `unknown command '${first}'`, commandList(table));
  const second = positions[1] === undefined ? undefined : argv[positions[1]];
  // A one-word command (`stress`, `batch FILE`) takes its positionals as arguments, not as a subcommand.
  const spec = group.find((c) => c.words.length > 1 && c.words[1] === second) ?? group.find((c) => c.words.length === 1);
  if (spec === undefined) {
    const list = group.map(line).join('');
    if (second === undefined && wantsHelp) {
      io.out(`Commands of '${first}':\n${list}`);
      return 0;
    }
    const problem = second === undefined ? `'${first}' needs a subcommand` : `unknown command '${first} ${second}'`;
    return usage(io, problem, `Commands of '${first}':\n${list}`);
  }

  const rest = argv.filter((_, i) => i !== positions[0] && (spec.words.length === 1 || i !== positions[1]));
  const flags: FlagSpecs = { ...GLOBAL_FLAGS, ...spec.flags };
  let args;
  try {
    args = parseArgv(rest, flags);
  } catch (err) {
    if (errorCode(err) === 'USAGE') return usage(io, errorMessage(err), commandHelp(spec));
    throw err;
  }
  if (args.flags.help === true) {
    io.out(commandHelp(spec));
    return 0;
  }
  const n = args.positionals.length;
  if (n < spec.positionals.min || n > spec.positionals.max) {
    const problem = n < spec.positionals.min ? `missing ${spec.args ?? 'arguments'}` : `unexpected argument '${args.positionals[spec.positionals.max]}'`;
    return usage(io, `${spec.words.join(' ')}: ${problem}`, commandHelp(spec));
  }
  const handler = await spec.load();
  return handler(args, io);
}

/**
 * True when argv runs the agent with flags of its own only (--home, --app, --model, --prompt, --json):
 * the command table cannot change how it parses, so it is not loaded. Anything else (a word, --help, an
 * unknown flag, a usage error to explain) takes the full table.
 */
function agentOnly(argv: readonly string[]): boolean {
  if (argv.includes('--help') || argv.includes('-h') || argv.includes('--')) return false;
  if (positionalIndexes(argv, []).length > 0) return false;
  return argv.every((a) => {
    if (!a.startsWith('-')) return true; // a flag value (positionals were ruled out above)
    if (!a.startsWith('--')) return false;
    const name = a.slice(2).split('=')[0]!;
    return Object.hasOwn(GLOBAL_FLAGS, name) || Object.hasOwn(AGENT_FLAGS, name);
  });
}

/** Indexes of the tokens that are not flags or flag values (up to the first two: the command words). */
function positionalIndexes(argv: readonly string[], table: readonly CommandSpec[]): number[] {
  const valued = new Set<string>();
  for (const specs of [GLOBAL_FLAGS, AGENT_FLAGS, ...table.map((c) => c.flags)]) {
    for (const [name, s] of Object.entries(specs)) if (s.type === 'string') valued.add(name);
  }
  const out: number[] = [];
  for (let i = 0; i < argv.length && out.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      // As parseArgv: a valued flag takes the next word unless that is another --flag (then parseArgv reports it).
      if (a.startsWith('--') && !a.includes('=') && valued.has(a.slice(2)) && !(argv[i + 1] ?? '').startsWith('--')) i++;
      continue;
    }
    out.push(i);
  }
  return out;
}

function usage(io: CommandIO, problem: string, help: string): number {
  io.err(`${PROG}: ${problem}\n\n${help}`);
  return 2;
}

function line(c: CommandSpec): string {
  const words = [...c.words, ...(c.args ? [c.args] : [])].join(' ');
  return `  ${PROG} ${words.padEnd(34)} ${c.summary}\n`;
}

function commandList(table: readonly CommandSpec[]): string {
  return `Commands:\n${table.map(line).join('')}`;
}

function flagLines(flags: FlagSpecs): string {
  return Object.entries(flags)
    .map(([name, f]) => `  --${(name + (f.value ? ` ${f.value}` : '')).padEnd(16)} ${f.help}\n`)
    .join('');
}

function globalHelp(table: readonly CommandSpec[]): string {
  return (
    `${PROG}: a self-modifying terminal agent that writes, registers, hot-loads and calls its own tools.\n\n` +
    `Usage: ${PROG} [-c] [--model MODEL]               the interactive agent; -c goes on with the last conversation\n` +
    `       ${PROG} -p PROMPT [--json] [--model MODEL]  one turn; exit 0 answered, 1 failed or canceled,\n` +
    `                                                   2 usage or no model configured, 3 step limit reached\n` +
    `       ${PROG} <command> [options]\n` +
    `       ${PROG} <command> --help\n\n` +
    `${commandList(table)}\nAgent options:\n${flagLines(AGENT_FLAGS)}\nGlobal options:\n${flagLines(GLOBAL_FLAGS)}\n` +
    `Environment: OPENAI_API_KEY, OPENAI_BASE_URL (the model's server), MICRO_AGI_HOME (state directory),\n` +
    `MICRO_AGI_NET_ALLOW (host[:port],... tools may reach beyond the public internet), MICRO_AGI_HISTORY\n` +
    `(the prompt history file, default <home>/history; empty: none), MICRO_AGI_SAVE_SESSIONS=0 (save no\n` +
    `conversations), MICRO_AGI_DEBUG=1 (stack traces).\n`
  );
}

function commandHelp(spec: CommandSpec): string {
  const synopsis = [PROG, ...spec.words, ...(spec.args ? [spec.args] : []), '[options]'].join(' ');
  return (
    `Usage: ${synopsis}\n\n${spec.summary}\n` +
    (spec.help ? `\n${spec.help}\n` : '') +
    `\nOptions:\n${flagLines(spec.flags)}${flagLines(GLOBAL_FLAGS)}`
  );
}

// V8's on-disk compile cache for the modules loaded from here on (Node >= 22.1; absent on Node 20: no-op).
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const processIO: CommandIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

process.exitCode = await runCli(process.argv.slice(2), processIO);
