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
import { returnedError } from '../agent/returned-error.js';
import { inputProblems, problemList, valueProblems } from '../agent/tool-input-check.js';
import { toolSchemaFrom } from '../agent/tool-schema.js';
import { toolModuleConfig } from './tool-env.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import type { Session } from './bootstrap.js';
import type { CommandIO } from './command-spec.js';
import { renderTable } from './table.js';
import { withSession } from './with-session.js';

const TOOL_KINDS = ['function.lua', 'function.js'];
/** Who runs a tool started from the command line. */
export const CLI_ACTOR = { id: 'user:cli', meta: { role: 'user' } } as const;

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

/** The agent's check of a model's call, on --input: refused (USAGE, exit 2) naming each field that does not fit. */
function refuseUnfitInput(entry: Entry, input: unknown): void {
  const schema = toolSchemaFrom(entry.meta.input_schema);
  if (!schema.ok) return; // the agent would not offer this tool; running it directly is what is asked
  const problems = valueProblems(inputProblems(entry.id, schema.input, schema.unchecked), input);
  if (problems.length > 0) {
    throw new AppError('USAGE', `--input does not match the input_schema of ${entry.id}: ${problemList(problems)} (--unchecked runs it anyway)`);
  }
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
    if (!boolFlag(args, 'unchecked')) refuseUnfitInput(entry, input);
    const pool = createIsolatePool({
      size: 1,
      services: { registry: s.registry, [NET_SERVICE]: netPolicyFrom(undefined, io.env) },
      moduleConfig: toolModuleConfig(io.env),
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
      // Isolate messages usually start with the entry id already: say it once.
      const message = e.message.startsWith(`${entry.id}: `) ? e.message.slice(entry.id.length + 2) : e.message;
      io.err(`micro-agi: ${entry.id}: ${kind}: ${message}${where}\n`);
      return 1;
    }
    // The tools' convention for a failure they report as data: printed above, and a failing exit status.
    const reported = returnedError(result.value);
    if (reported !== undefined) {
      io.err(`micro-agi: ${entry.id} returned an error: ${reported}\n`);
      return 1;
    }
    return 0;
  });
}
