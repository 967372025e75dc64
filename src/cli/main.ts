// The `micro-agi` command: the command table, dispatch, help and usage errors, and error reporting.
// Command modules are imported lazily so startup only loads what a command needs.
import { errorCode, errorMessage } from '../errors/app-error.js';
import { parseArgv, type FlagSpecs } from './argv.js';
import { GLOBAL_FLAGS, JSON_FLAG, type CommandIO, type CommandSpec } from './command-spec.js';

const PROG = 'micro-agi';

/**
 * Every command. Later issues add their groups here (one block per group, handlers in their own
 * files, always behind a lazy `load`).
 */
export const COMMANDS: readonly CommandSpec[] = [
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
  // --- tools: src/cli/tools-command.ts (the tools issue) adds its commands here, e.g.
  // { words: ['tools', 'ls'], summary: ..., flags: {...}, positionals: {...},
  //   load: () => import('./tools-command.js').then((m) => m.toolsLs) },
];

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

async function dispatch(argv: readonly string[], io: CommandIO): Promise<number> {
  const positions = positionalIndexes(argv);
  const first = positions[0] === undefined ? undefined : argv[positions[0]];
  const wantsHelp = argv.includes('--help') || argv.includes('-h');

  if (first === undefined || first === 'help') {
    if (wantsHelp || first === 'help') {
      io.out(globalHelp());
      return 0;
    }
    parseArgv(argv, GLOBAL_FLAGS); // unknown flags are still usage errors
    io.err(`${PROG}: the interactive agent arrives with the agent issue; for now use a command.\n\n${commandList()}`);
    return 2;
  }

  const group = COMMANDS.filter((c) => c.words[0] === first);
  if (group.length === 0) return usage(io, `unknown command '${first}'`, commandList());
  const second = positions[1] === undefined ? undefined : argv[positions[1]];
  const spec = group.find((c) => c.words[1] === second);
  if (spec === undefined) {
    const list = group.map(line).join('');
    if (second === undefined && wantsHelp) {
      io.out(`Commands of '${first}':\n${list}`);
      return 0;
    }
    const problem = second === undefined ? `'${first}' needs a subcommand` : `unknown command '${first} ${second}'`;
    return usage(io, problem, `Commands of '${first}':\n${list}`);
  }

  const rest = argv.filter((_, i) => i !== positions[0] && i !== positions[1]);
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

/** Indexes of the tokens that are not flags or flag values (up to the first two: the command words). */
function positionalIndexes(argv: readonly string[]): number[] {
  const valued = new Set<string>();
  for (const specs of [GLOBAL_FLAGS, ...COMMANDS.map((c) => c.flags)]) {
    for (const [name, s] of Object.entries(specs)) if (s.type === 'string') valued.add(name);
  }
  const out: number[] = [];
  for (let i = 0; i < argv.length && out.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('-')) {
      if (a.startsWith('--') && !a.includes('=') && valued.has(a.slice(2))) i++;
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

function commandList(): string {
  return `Commands:\n${COMMANDS.map(line).join('')}`;
}

function flagLines(flags: FlagSpecs): string {
  return Object.entries(flags)
    .map(([name, f]) => `  --${(name + (f.value ? ` ${f.value}` : '')).padEnd(16)} ${f.help}\n`)
    .join('');
}

function globalHelp(): string {
  return (
    `${PROG}: a self-modifying terminal agent that writes, registers, hot-loads and calls its own tools.\n\n` +
    `Usage: ${PROG} <command> [options]\n` +
    `       ${PROG} <command> --help\n\n` +
    `${commandList()}\nGlobal options:\n${flagLines(GLOBAL_FLAGS)}\n` +
    `Environment: MICRO_AGI_HOME (state directory), MICRO_AGI_DEBUG=1 (stack traces on errors).\n`
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

const processIO: CommandIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
};

process.exitCode = await runCli(process.argv.slice(2), processIO);
