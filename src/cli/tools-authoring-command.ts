// `micro-agi tools create | rm | history | rollback | export`: author generated tools from the terminal.
// `create` runs app.tools:create_tool in the isolate pool (the agent's checks apply); export writes Wippy YAML.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { namespaceOf, parseEntryId, type Entry } from '../../schemas/entry.js';
import { AppError, errorMessage } from '../errors/app-error.js';
import { cliUserActor } from '../security/actors.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import { JSON_FLAG, type CommandIO, type CommandSpec } from './command-spec.js';
import { withSession } from './with-session.js';

// The pool and the store are imported by the handlers that use them, so main.ts can import
// TOOLS_AUTHORING_COMMANDS at startup cheaply (the YAML writer is loaded by every registry open anyway).

const GENERATED_NS = 'app.generated';
const CREATE_TOOL = 'app.tools:create_tool';
const AGENT_SCOPE = 'app:agent_security';
const SOURCE_EXT: Readonly<Record<string, string>> = { 'function.lua': 'lua', 'function.js': 'js' };

function usage(message: string): AppError {
  return new AppError('USAGE', message);
}

function requireFlag(args: ParsedArgs, name: string): string {
  const v = stringFlag(args, name);
  if (v === undefined || v === '') throw usage(`--${name} is required`);
  return v;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw usage(`${what} ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`);
  }
}

/** A generated tool's id: "name" is short for app.generated:name; other namespaces are refused. */
function generatedId(raw: string): string {
  const id = raw.includes(':') ? raw : `${GENERATED_NS}:${raw}`;
  if (!parseEntryId(id)) throw usage(`invalid tool id "${raw}": expected app.generated:<name> or <name>`);
  if (namespaceOf(id) !== GENERATED_NS) {
    throw usage(`${id} is not a generated tool: only ${GENERATED_NS}:* entries are authored here (the app's own come from its YAML)`);
  }
  return id;
}

/** The create_tool input from the flags: --file (language from its extension unless --lang), --tests FILE (JSON list). */
async function createInput(args: ParsedArgs): Promise<Record<string, unknown>> {
  const file = requireFlag(args, 'file');
  const lang = stringFlag(args, 'lang') ?? (extname(file) === '.js' || extname(file) === '.mjs' ? 'js' : 'lua');
  if (lang !== 'lua' && lang !== 'js') throw usage(`--lang must be lua or js, got "${lang}"`);
  const input: Record<string, unknown> = {
    name: requireFlag(args, 'name'),
    description: requireFlag(args, 'description'),
    source: await readText(file, '--file'),
    language: lang,
  };
  const modules = stringFlag(args, 'modules');
  if (modules !== undefined) input.modules = modules.split(',').map((m) => m.trim()).filter((m) => m !== '');
  const schema = stringFlag(args, 'schema');
  if (schema !== undefined) input.schema = schema;
  const testsFile = stringFlag(args, 'tests');
  if (testsFile !== undefined) {
    const text = await readText(testsFile, '--tests');
    let tests: unknown;
    try {
      tests = JSON.parse(text);
    } catch (err) {
      throw usage(`--tests ${testsFile}: not valid JSON: ${errorMessage(err)}`);
    }
    if (!Array.isArray(tests)) throw usage(`--tests ${testsFile}: expected a JSON list of {"input": {...}, "expect": ...}`);
    input.tests = tests;
  }
  return input;
}

export async function toolsCreate(args: ParsedArgs, io: CommandIO): Promise<number> {
  const input = await createInput(args);
  const [{ createIsolatePool }, { netPolicyFrom, NET_SERVICE }, { authoringModules, createDraftPool }] = await Promise.all([
    import('../isolates/pool.js'),
    import('../modules/net-guard.js'),
    import('../modules/tools-services.js'),
  ]);
  return withSession(args, io, async (s) => {
    const snap = s.registry.current();
    const entry = snap.get(CREATE_TOOL);
    if (!entry) throw new AppError('REGISTRY_NOT_FOUND', `the app has no ${CREATE_TOOL} entry; it is needed to create tools`);
    const net = { [NET_SERVICE]: netPolicyFrom(undefined, io.env) };
    const drafts = createDraftPool({ services: net });
    const pool = createIsolatePool({
      size: 1,
      services: { registry: s.registry, scopeGroup: AGENT_SCOPE, ...net, ...drafts.services },
      ...authoringModules(),
    });
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      const result = await pool.callEntry(entry, snap.version, input, { actor: cliUserActor(io.env.USER ?? io.env.USERNAME), signal: controller.signal });
      if (result.status === 'error') {
        const e = result.error;
        io.err(`micro-agi: ${CREATE_TOOL} failed: ${e.kind}: ${e.message}${e.line !== undefined ? ` (line ${e.line})` : ''}\n`);
        return 1;
      }
      const value = (result.value ?? {}) as Record<string, unknown>;
      if (boolFlag(args, 'json')) io.out(JSON.stringify(value, null, 2) + '\n');
      if (typeof value.error === 'string') {
        io.err(`micro-agi: create_tool: ${value.error}\n`);
        if (Array.isArray(value.failures) && !boolFlag(args, 'json')) io.err(JSON.stringify(value.failures, null, 2) + '\n');
        return 1;
      }
      if (!boolFlag(args, 'json')) io.out(`${value.created ? 'created' : 'updated'} ${String(value.id)} (registry version ${String(value.version)})\n`);
      return 0;
    } finally {
      process.removeListener('SIGINT', onSigint);
      await pool.close();
      await drafts.close();
    }
  });
}

export async function toolsRm(args: ParsedArgs, io: CommandIO): Promise<number> {
  const id = generatedId(args.positionals[0]!);
  return withSession(args, io, async (s) => {
    const snap = s.registry.current();
    if (!snap.has(id)) throw new AppError('REGISTRY_NOT_FOUND', `no entry "${id}" at registry version ${snap.version}`, { id });
    const info = await s.registry.apply(snap.changes().delete(id), { actor: cliUserActor(io.env.USER ?? io.env.USERNAME), message: `tools rm ${id}` });
    if (boolFlag(args, 'json')) io.out(JSON.stringify({ removed: id, version: info.version }) + '\n');
    else io.out(`removed ${id} (registry version ${info.version}); 'tools rollback ${id} --to <version>' brings it back\n`);
    return 0;
  });
}

export async function toolsHistory(args: ParsedArgs, io: CommandIO): Promise<number> {
  const id = generatedId(args.positionals[0]!);
  const { renderTable } = await import('./table.js');
  return withSession(args, io, (s) => {
    const history = s.registry.history(id);
    if (history.length === 0) throw new AppError('REGISTRY_NOT_FOUND', `"${id}" has no history: it was never written`, { id });
    if (boolFlag(args, 'json')) {
      io.out(JSON.stringify(history.map((h) => ({ version: h.version, time: h.time, actor: h.actor, change: h.change })), null, 2) + '\n');
    } else {
      io.out(renderTable(['VERSION', 'TIME', 'ACTOR', 'CHANGE'], history.map((h) => [String(h.version), h.time, h.actor, h.change])));
    }
    return 0;
  });
}

export async function toolsRollback(args: ParsedArgs, io: CommandIO): Promise<number> {
  const id = generatedId(args.positionals[0]!);
  const to = requireFlag(args, 'to');
  if (!/^\d+$/.test(to)) throw usage(`--to must be a registry version number (see 'tools history ${id}'), got "${to}"`);
  const version = Number(to);
  return withSession(args, io, async (s) => {
    const info = await s.registry.rollbackEntry(id, version, { actor: cliUserActor(io.env.USER ?? io.env.USERNAME), message: `tools rollback ${id} --to ${version}` });
    const now = s.registry.current().get(id);
    if (boolFlag(args, 'json')) io.out(JSON.stringify({ id, to: version, version: info.version, exists: now !== undefined }) + '\n');
    else io.out(`${id} is now as it was at version ${version}${now ? '' : ' (absent then: removed)'} (registry version ${info.version})\n`);
    return 0;
  });
}

/** One exported entry: data fields beside name/kind/meta, code and file:// look-alikes moved to files. */
function exportEntry(entry: Entry, files: Map<string, string>): Record<string, unknown> {
  const name = entry.id.slice(entry.id.indexOf(':') + 1);
  const externalize = (value: unknown, file: string): unknown => {
    files.set(file, String(value));
    return `file://${file}`;
  };
  // A string starting with file:// would be read as a reference on load: keep it verbatim in a file.
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return value.startsWith('file://') ? externalize(value, `${name}.${path}.txt`) : value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}.${i}`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${path}.${k}`)]));
    }
    return value;
  };
  const out: Record<string, unknown> = { name, kind: entry.kind };
  if (Object.keys(entry.meta).length > 0) out.meta = walk(entry.meta, 'meta');
  const data = entry.data;
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const [k, v] of Object.entries(data)) {
      const ext = SOURCE_EXT[entry.kind];
      out[k] = k === 'source' && ext && typeof v === 'string' ? externalize(v, `${name}.${ext}`) : walk(v, k);
    }
  } else if (data !== undefined && data !== null) {
    throw new AppError('USAGE', `${entry.id}: its data is not a mapping, which the Wippy YAML format cannot express`);
  }
  return out;
}

export async function toolsExport(args: ParsedArgs, io: CommandIO): Promise<number> {
  const out = resolve(requireFlag(args, 'out'));
  return withSession(args, io, async (s) => {
    const snap = s.registry.current();
    const entries = [...snap.namespace(GENERATED_NS)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (entries.length === 0) throw new AppError('REGISTRY_NOT_FOUND', `nothing to export: no ${GENERATED_NS} entries at registry version ${snap.version}`);
    const files = new Map<string, string>();
    const doc = {
      version: '1.0',
      namespace: GENERATED_NS,
      entries: entries.map((e) => exportEntry(e, files)),
    };
    await mkdir(out, { recursive: true });
    const header =
      `# Generated tools (namespace ${GENERATED_NS}) exported by micro-agi from registry version ${snap.version}.\n` +
      `# Load with --app or copy beside an app definition; sources are the files next to this one.\n`;
    await writeFile(join(out, '_index.yaml'), header + stringify(doc, { lineWidth: 0, blockQuote: 'literal' }), 'utf8');
    for (const [file, text] of files) await writeFile(join(out, file), text, 'utf8');
    if (boolFlag(args, 'json')) io.out(JSON.stringify({ dir: out, entries: entries.map((e) => e.id), version: snap.version }) + '\n');
    else io.out(`exported ${entries.length} ${GENERATED_NS} entr${entries.length === 1 ? 'y' : 'ies'} to ${out}\n`);
    return 0;
  });
}

/** The authoring commands, for main.ts's command table. */
export const TOOLS_AUTHORING_COMMANDS: readonly CommandSpec[] = [
  {
    words: ['tools', 'create'],
    summary: 'create or update app.generated:<name> through create_tool (compiled and tested first)',
    help:
      'Runs app.tools:create_tool with the source of --file, so the agent\'s checks apply: name, size,\n' +
      'module allowlist, shadowing, app:agent_security policies, compilation and the --tests cases\n' +
      '(a JSON list of {"input": {...}, "expect": ...}). The language follows the file extension\n' +
      '(.js: JavaScript) unless --lang is given. Exit status 1 when create_tool refuses.',
    flags: {
      ...JSON_FLAG,
      name: { type: 'string', value: 'NAME', help: 'tool name (snake_case), becomes app.generated:NAME' },
      description: { type: 'string', value: 'TEXT', help: 'what the tool does, for the model' },
      file: { type: 'string', value: 'FILE', help: 'the tool source (Lua or JavaScript)' },
      modules: { type: 'string', value: 'A,B', help: 'modules the source requires, comma-separated' },
      schema: { type: 'string', value: 'JSON', help: 'JSON Schema of the input (an object schema)' },
      lang: { type: 'string', value: 'LANG', help: 'lua or js (default: from the file extension)' },
      tests: { type: 'string', value: 'FILE', help: 'JSON list of test cases run before saving' },
    },
    positionals: { min: 0, max: 0 },
    load: async () => toolsCreate,
  },
  {
    words: ['tools', 'rm'],
    args: 'ID',
    summary: 'remove a generated tool (a new registry version; rollback restores it)',
    flags: { ...JSON_FLAG },
    positionals: { min: 1, max: 1 },
    load: async () => toolsRm,
  },
  {
    words: ['tools', 'history'],
    args: 'ID',
    summary: 'list the versions that changed a generated tool',
    flags: { ...JSON_FLAG },
    positionals: { min: 1, max: 1 },
    load: async () => toolsHistory,
  },
  {
    words: ['tools', 'rollback'],
    args: 'ID',
    summary: 'write a generated tool back as it was at --to VERSION',
    flags: { ...JSON_FLAG, to: { type: 'string', value: 'VERSION', help: 'registry version to restore (see tools history)' } },
    positionals: { min: 1, max: 1 },
    load: async () => toolsRollback,
  },
  {
    words: ['tools', 'export'],
    summary: 'write app.generated as Wippy YAML (_index.yaml + source files) into --out DIR',
    flags: { ...JSON_FLAG, out: { type: 'string', value: 'DIR', help: 'directory to write (created if missing)' } },
    positionals: { min: 0, max: 0 },
    load: async () => toolsExport,
  },
];
