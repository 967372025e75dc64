// `micro-agi tools ls | show | run`: list tool entries, show one with its derived isolate spec, and run
// one directly through the isolate pool (no LLM), printing the result or the error with its kind.
import { stringify } from 'yaml';
import { parseEntryId, type Entry } from '../../schemas/entry.js';
import { AppError, errorMessage } from '../errors/app-error.js';
import { MODULE_CATALOG } from '../isolates/module-catalog.js';
import { createIsolatePool } from '../isolates/pool.js';
import { toolSpecFromEntry } from '../isolates/tool-spec-from-entry.js';
import type { CallResult } from '../isolates/types.js';
import { netPolicyFrom, NET_SERVICE } from '../modules/net-guard.js';
import { boolFlag, parseArgv, stringFlag, type ParsedArgs } from './argv.js';
import { openSession, type Session } from './bootstrap.js';
import { GLOBAL_FLAGS, JSON_FLAG, type CommandIO, type CommandSpec } from './command-spec.js';
import { renderTable } from './table.js';

const TOOL_KINDS = ['function.lua', 'function.js'];
/** Who runs a tool started from the command line. */
export const CLI_ACTOR = { id: 'user:cli', meta: { role: 'user' } } as const;

async function withSession<T>(args: ParsedArgs, io: CommandIO, fn: (s: Session) => Promise<T> | T): Promise<T> {
  const session = await openSession({
    home: stringFlag(args, 'home'),
    app: stringFlag(args, 'app'),
    env: io.env,
    onWarning: (w) => io.err(`micro-agi: warning: ${w}\n`),
  });
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

function toolEntry(session: Session, id: string): Entry {
  if (parseEntryId(id) === undefined) {
    throw new AppError('USAGE', `invalid tool id "${id}": expected "namespace:name", e.g. app.tools:doc_search`, { id });
  }
  const snap = session.registry.current();
  const entry = snap.get(id);
  if (!entry) throw new AppError('REGISTRY_NOT_FOUND', `no entry "${id}" at registry version ${snap.version}`, { id });
  if (!TOOL_KINDS.includes(entry.kind)) {
    throw new AppError('USAGE', `${id} is a ${entry.kind}, not a tool (function.lua or function.js)`, { id, kind: entry.kind });
  }
  return entry;
}

function describe(entry: Entry): string | undefined {
  const m = entry.meta;
  const v = m.description ?? m.comment ?? m.title;
  return typeof v === 'string' ? v : undefined;
}

function modulesOf(entry: Entry): string[] {
  const mods = (entry.data as { modules?: unknown } | null)?.modules;
  return Array.isArray(mods) ? mods.filter((m): m is string => typeof m === 'string') : [];
}

/** JSON text of a tool result: bigints as numbers-in-strings, bytes as latin1 text (as the model sees them). */
export function resultJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v),
    indent,
  );
}

export async function toolsLs(args: ParsedArgs, io: CommandIO): Promise<number> {
  return withSession(args, io, (s) => {
    const snap = s.registry.current();
    const tools = snap
      .entries()
      .filter((e) => TOOL_KINDS.includes(e.kind))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rows = tools.map((e) => ({ id: e.id, kind: e.kind, modules: modulesOf(e), description: describe(e) }));
    if (boolFlag(args, 'json')) io.out(JSON.stringify(rows, null, 2) + '\n');
    else if (rows.length === 0) io.err(`micro-agi: no tools at registry version ${snap.version}\n`);
    else io.out(renderTable(['ID', 'KIND', 'MODULES', 'DESCRIPTION'], rows.map((r) => [r.id, r.kind, r.modules.join(','), r.description])));
    return 0;
  });
}

export async function toolsShow(args: ParsedArgs, io: CommandIO): Promise<number> {
  return withSession(args, io, (s) => {
    const snap = s.registry.current();
    const entry = toolEntry(s, args.positionals[0]!);
    const built = toolSpecFromEntry(entry, snap.version, MODULE_CATALOG);
    const isolate = built.ok
      ? { trusted: built.spec.trusted, method: built.spec.method, modules: built.spec.modules, limits: built.spec.limits }
      : { refused: built.error };
    if (boolFlag(args, 'json')) io.out(JSON.stringify({ ...entry, isolate }, null, 2) + '\n');
    else io.out(stringify({ id: entry.id, kind: entry.kind, isolate, meta: entry.meta, data: entry.data }, { lineWidth: 0, blockQuote: 'literal' }));
    return 0;
  });
}

export async function toolsRun(args: ParsedArgs, io: CommandIO): Promise<number> {
  const inputText = stringFlag(args, 'input');
  let input: unknown = null;
  if (inputText !== undefined) {
    try {
      input = JSON.parse(inputText);
    } catch (err) {
      throw new AppError('USAGE', `--input is not valid JSON: ${errorMessage(err)}`);
    }
  }
  return withSession(args, io, async (s) => {
    const snap = s.registry.current();
    const entry = toolEntry(s, args.positionals[0]!);
    const pool = createIsolatePool({
      size: 1,
      services: { registry: s.registry, [NET_SERVICE]: netPolicyFrom(undefined, io.env) },
    });
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    let result: CallResult;
    try {
      result = await pool.callEntry(entry, snap.version, input, { actor: CLI_ACTOR, signal: controller.signal });
    } finally {
      process.removeListener('SIGINT', onSigint);
      await pool.close();
    }
    for (const line of result.logs ?? []) io.err(`${line}\n`);
    if (boolFlag(args, 'json')) {
      io.out(resultJson(result.status === 'ok' ? { ok: true, value: result.value, ms: result.stats.ms } : { ok: false, error: result.error, ms: result.stats.ms }, 2) + '\n');
    } else if (result.status === 'ok') {
      io.out(resultJson(result.value, 2) + '\n');
    }
    if (result.status === 'error') {
      const e = result.error;
      const where = e.line !== undefined ? ` (line ${e.line})` : '';
      const kind = e.errorKind ? `${e.kind}/${e.errorKind}` : e.kind;
      io.err(`micro-agi: ${entry.id}: ${kind}: ${e.message}${where}\n`);
      return 1;
    }
    return 0;
  });
}

/** The tools commands, for main.ts's command table (handlers load lazily). */
export const TOOLS_COMMANDS: readonly CommandSpec[] = [
  {
    words: ['tools', 'ls'],
    summary: 'list tool entries (function.lua / function.js) with their modules',
    flags: { ...JSON_FLAG },
    positionals: { min: 0, max: 0 },
    load: async () => toolsLs,
  },
  {
    words: ['tools', 'show'],
    args: 'ID',
    summary: 'show a tool entry and the isolate spec it runs with (trust, modules, limits)',
    flags: { ...JSON_FLAG },
    positionals: { min: 1, max: 1 },
    load: async () => toolsShow,
  },
  {
    words: ['tools', 'run'],
    args: 'ID',
    summary: 'run a tool directly in an isolate (no LLM); non-zero exit on error',
    help: 'Runs the tool entry ID through the isolate pool with --input (JSON, default null) as the actor\n' +
      'user:cli. Prints the result as JSON, or the error kind and message on stderr (exit status 1).\n' +
      'Network access follows MICRO_AGI_NET_ALLOW.',
    flags: { ...JSON_FLAG, input: { type: 'string', value: 'JSON', help: 'the tool input as JSON (default null)' } },
    positionals: { min: 1, max: 1 },
    load: async () => toolsRun,
  },
];

/** Run `tools <sub> ...` directly (argv after the word `tools`); returns the exit status. */
export async function toolsCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  const spec = TOOLS_COMMANDS.find((c) => c.words[1] === sub);
  if (!spec) throw new AppError('USAGE', `unknown command 'tools ${sub ?? ''}': expected ls, show or run`);
  const args = parseArgv(rest, { ...GLOBAL_FLAGS, ...spec.flags });
  if (args.positionals.length < spec.positionals.min || args.positionals.length > spec.positionals.max) {
    throw new AppError('USAGE', `tools ${sub}: expected ${spec.args ?? 'no arguments'}`);
  }
  return (await spec.load())(args, io);
}
