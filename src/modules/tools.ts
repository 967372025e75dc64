// The `tools` tool module (privileged, used by create_tool): compile(draft) checks an UNREGISTERED tool source in
// the calling worker, test(draft, input) runs it in the draft pool, target/write read and write a tool entry in one host call.
import type { Entry } from '../../schemas/entry.js';
import { inputProblems, problemList, valueProblems } from '../agent/tool-input-check.js';
import { toolSchemaFrom } from '../agent/tool-schema.js';
import { errorCode } from '../errors/app-error.js';
import type { CallResult, IsolateError, ToolKind, ToolSpec } from '../isolates/types.js';
import { DEFAULT_LIMITS } from '../isolates/types.js';
import { compileFilter } from '../registry/find.js';
import { SnapshotDerived } from '../registry/snapshot-derived.js';
import type { Registry, Snapshot } from '../registry/types.js';
import { namedScope } from '../security/named-scope.js';
import type { Actor } from '../security/types.js';
import { typeName } from './bytes.js';
import { asList, asString, entryFromGuest, entryToGuest, fromPlain, idFromGuest, isTable, toPlain } from './guest-data.js';
import { guarded, requireService, toModuleFailure } from './host-services.js';
import { ArgumentFailure, ModuleFailure, type CallContext, type GuestValue, type ModuleSpec } from './module-spec.js';
import { applyAsCaller, SNAPSHOT_TYPE, snapshotValue } from './registry.js';
import { translateFindFilter } from './registry-filter.js';
import { actorFromGuest } from './security.js';
import { COMPILE_ONLY_METHOD } from './tools-draft-engine.js';
import type { ToolsServices } from './tools-services.js';

/** Where drafts live once registered: they run under that identity already (never trusted). */
export const GENERATED_NAMESPACE = 'app.generated';
const NAME_RE = /^[a-z][a-z0-9_]{0,63}$/;
const METHOD_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Registry versions are >= 0: a draft's compiled code is cached under this one (caches also check the source). */
const DRAFT_VERSION = -1;

function draftSpec(v: GuestValue | undefined, where: string): ToolSpec {
  if (!isTable(v)) throw new ArgumentFailure(`${where}: draft table {name?, language?, source, modules?, method?} expected`);
  const source = v.source;
  if (typeof source !== 'string' || source === '') throw new ArgumentFailure(`${where}: source must be a non-empty string`);
  const name = v.name ?? 'draft';
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new ArgumentFailure(`${where}: name must match ^[a-z][a-z0-9_]{0,63}$, got ${JSON.stringify(name)}`);
  }
  const language = v.language ?? 'lua';
  if (language !== 'lua' && language !== 'js') throw new ArgumentFailure(`${where}: language must be "lua" or "js", got ${JSON.stringify(language)}`);
  const method = v.method ?? 'handler';
  if (typeof method !== 'string' || !METHOD_RE.test(method)) throw new ArgumentFailure(`${where}: method must be an identifier, got ${JSON.stringify(method)}`);
  const modules = asList(v.modules ?? [], `${where}: modules`).map((m, i) => {
    if (typeof m !== 'string' || m === '') throw new ArgumentFailure(`${where}: modules[${i + 1}] must be a module name`);
    return m;
  });
  const kind: ToolKind = language === 'js' ? 'function.js' : 'function.lua';
  return {
    id: `${GENERATED_NAMESPACE}:${name}`,
    version: DRAFT_VERSION,
    kind,
    source,
    method,
    modules: [...new Set(modules)],
    trusted: false,
    limits: DEFAULT_LIMITS,
  };
}

/** "line 3: unexpected symbol near 'end'" — the isolate's message without the tool id prefix. */
export function describeIsolateError(spec: ToolSpec, error: IsolateError): string {
  const prefix = `${spec.id}: `;
  const text = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const what = error.kind === 'ToolError' ? `the handler returned an error${error.errorKind ? ` (${error.errorKind})` : ''}` : error.kind;
  return `${error.line !== undefined ? `line ${error.line}: ` : ''}${what}: ${text}`;
}

function failure(spec: ToolSpec, error: IsolateError): ModuleFailure {
  const details: Record<string, GuestValue> = { error_kind: error.kind };
  if (error.line !== undefined) details.line = error.line;
  if (error.errorKind !== undefined) details.tool_error_kind = error.errorKind;
  const kind = error.kind === 'Timeout' ? 'Timeout' : error.kind === 'PermissionDenied' ? 'PermissionDenied' : error.kind === 'Canceled' ? 'Canceled' : 'Invalid';
  return new ModuleFailure(kind, describeIsolateError(spec, error), { details });
}

/** A draft service of this call, or Unavailable naming it (drafts run from the supervisor only). */
function draftService<K extends 'compileSpec' | 'runSpec'>(ctx: CallContext, name: K, where: string): NonNullable<ToolsServices[K]> {
  const value = (ctx.services as ToolsServices | undefined)?.[name];
  if (typeof value !== 'function') {
    throw new ModuleFailure('Unavailable', `${where}: the "${name}" service is not available here (the supervisor must provide a draft pool)`);
  }
  return value as NonNullable<ToolsServices[K]>;
}

/** The spec tools.compile checks: the draft as it would run, with the compile-only method. */
function compileOnlySpec(draft: GuestValue | undefined): ToolSpec {
  return { ...draftSpec(draft, 'tools.compile'), method: COMPILE_ONLY_METHOD };
}

function callOptions(ctx: CallContext) {
  if (ctx.deadline - Date.now() <= 0) throw new ModuleFailure('Timeout', 'tools: no time left in this call');
  return { actor: ctx.actor, deadline: ctx.deadline };
}

/** The `options` table of tools.target. */
interface TargetOptions {
  readonly scope?: string;
  readonly actor?: GuestValue;
  readonly aliases?: string;
}

function targetOptions(v: GuestValue | undefined, where = 'tools.target', shape = '{scope?, actor?, aliases?}'): TargetOptions {
  if (v === undefined || v === null || (Array.isArray(v) && v.length === 0)) return {};
  if (!isTable(v)) throw new ArgumentFailure(`${where}: options must be a table ${shape}, got ${typeName(v)}`);
  return {
    ...(v.scope !== undefined && v.scope !== null ? { scope: asString(v.scope, `${where}: options.scope`) } : {}),
    ...(v.actor !== undefined && v.actor !== null ? { actor: v.actor } : {}),
    ...(v.aliases !== undefined && v.aliases !== null ? { aliases: asString(v.aliases, `${where}: options.aliases`) } : {}),
  };
}

/** The name an entry is offered under: meta.llm_alias, else the name part of its id (non-string aliases: null). */
function aliasOf(id: string, meta: Readonly<Record<string, unknown>> | undefined): string | null {
  const alias = meta?.llm_alias;
  if (alias === undefined || alias === null || alias === false) return id.slice(id.indexOf(':') + 1);
  return typeof alias === 'string' ? alias : null;
}

/** Namespaces whose alias lists are kept (tools.target names few: the built-in tools' namespace). */
const MAX_ALIAS_NAMESPACES = 16;
/**
 * The {id, alias} rows of a namespace (a `.ns` selector) per snapshot, carried across versions that change
 * nothing in it: each tool write makes a version, and listing the built-in tools rescanned the registry.
 */
const aliasLists = new Map<string, SnapshotDerived<GuestValue[]>>();

function aliasesIn(snap: Snapshot, ns: string): GuestValue[] {
  let rows = aliasLists.get(ns);
  if (!rows) {
    const { filter } = translateFindFilter({ '.ns': ns });
    if (aliasLists.size >= MAX_ALIAS_NAMESPACES) aliasLists.clear();
    // Shared by every call on those versions: frozen, so no caller can change another's answer.
    rows = new SnapshotDerived(compileFilter(filter), (s) =>
      Object.freeze(s.find(filter).map((e): GuestValue => Object.freeze({ id: e.id, alias: aliasOf(e.id, e.meta) }))) as GuestValue[],
    );
    aliasLists.set(ns, rows);
  }
  return rows.get(snap);
}

/** The version of a registry.Snapshot value (from registry.snapshot()); undefined for nil (the newest). */
function snapshotVersionArg(v: GuestValue | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  const version = isTable(v) && v.__type === SNAPSHOT_TYPE ? v.version : undefined;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new ArgumentFailure(`tools.target: snapshot must be a registry.Snapshot (from registry.snapshot()) or nil, got ${typeName(v ?? null)}`);
  }
  return version;
}

/** The action a write at an id needs: an update where an entry is, else a create. */
function writeAction(existing: Entry | undefined): 'registry.update' | 'registry.create' {
  return existing ? 'registry.update' : 'registry.create';
}

/**
 * The named scope's decision on `action` for `actor` on `key` ("allow", "deny" or "undefined"), or why the
 * scope cannot be loaded, worded as security.named_scope would report it (the caller decides what that means).
 */
function scopeDecision(snap: Snapshot, scope: string, actor: Actor, action: string, key: string): { decision: string } | { error: string } {
  try {
    return { decision: namedScope(snap, scope).evaluate(actor, action, key) ?? 'undefined' };
  } catch (err) {
    return { error: toModuleFailure(err, 'security.named_scope').message };
  }
}

/**
 * tools.target(snapshot, id, options): what writing a tool at `id` on `snapshot` (nil: the newest version)
 * meets, read in one host call (the snapshot read, the entry there now, the action the write needs, the
 * named scope's decision on it for an actor, the aliases taken in a namespace). Reads only: the write is a
 * changeset the caller applies on `target.snapshot`.
 */
function target(ctx: CallContext, snapshot: GuestValue | undefined, id: GuestValue | undefined, options: GuestValue | undefined): Promise<GuestValue> {
  const version = snapshotVersionArg(snapshot);
  const key = idFromGuest(id ?? null, 'tools.target: id');
  const o = targetOptions(options);
  const actor = o.actor !== undefined ? actorFromGuest(o.actor, 'tools.target: options.actor') : ctx.actor;
  const registry = requireService(ctx, 'registry', 'tools.target');
  return guarded('tools.target', () => {
    const snap = version === undefined ? registry.current() : registry.snapshotAt(version);
    const existing = snap.get(key);
    const action = writeAction(existing);
    const out: Record<string, GuestValue> = {
      snapshot: snapshotValue(snap.version),
      existing: existing ? entryToGuest(existing) : null,
      action,
    };
    if (o.scope !== undefined) {
      const d = scopeDecision(snap, o.scope, actor, action, key);
      if ('decision' in d) out.decision = d.decision;
      else out.scope_error = d.error;
    }
    if (o.aliases !== undefined) out.aliases = aliasesIn(snap, o.aliases);
    return out;
  });
}

/** The `options` table of tools.write: tools.target's, plus the ids of the tools loaded in the session. */
interface WriteOptions extends TargetOptions {
  readonly loaded: readonly string[];
}

function writeOptions(v: GuestValue | undefined): WriteOptions {
  const common = targetOptions(v, 'tools.write', '{scope?, actor?, aliases?, loaded?}');
  const raw = isTable(v) ? (v.loaded ?? []) : [];
  const loaded = asList(raw, 'tools.write: options.loaded').map((item, i) => {
    if (typeof item !== 'string') throw new ArgumentFailure(`tools.write: options.loaded[${i + 1}] must be a tool id or name, got ${typeName(item)}`);
    return item;
  });
  return { ...common, loaded };
}

/** Why writing `entry` at `key` on `snap` is refused (a taken name, the scope's deny), or undefined. */
function refusal(snap: Snapshot, key: string, entry: Entry, existing: Entry | undefined, o: WriteOptions, actor: Actor): string | undefined {
  const name = aliasOf(key, entry.meta);
  if (o.aliases !== undefined) {
    for (const row of aliasesIn(snap, o.aliases) as { id: string; alias: string | null }[]) {
      if (row.alias === name && row.id !== key) return `name "${name}" is taken by the built-in tool ${row.id}; choose another name`;
    }
  }
  const ownAlias = existing ? aliasOf(key, existing.meta) : undefined;
  for (const item of o.loaded) {
    const alias = item.slice(item.lastIndexOf(':') + 1);
    if (alias === name && item !== key && ownAlias !== name) return `name "${name}" is already used by a loaded tool (${item}); choose another name`;
  }
  if (o.scope === undefined) return undefined;
  const action = writeAction(existing);
  const d = scopeDecision(snap, o.scope, actor, action, key);
  if (!('decision' in d)) return `cannot load the policies of ${o.scope}: ${d.error}`;
  return d.decision === 'deny' ? `policy denied: ${action} on ${key}` : undefined;
}

/** Lost races tools.write retries on a fresh version: each one means another writer's version landed. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * tools.write(id, entry, options): write a tool entry at `id` on the newest version in one host call, with
 * what tools.target lets a caller check first: a name taken in the `aliases` namespace or by a `loaded`
 * tool other than this one, and the named scope's decision on the create or update the write needs (for
 * `actor`) are refusals ({refused = message}, nothing written); the changeset is applied as the calling
 * tool's actor under its own scope; a lost race (Conflict, AlreadyExists) reads the newest version again.
 * Returns {version = the new version's number, existed = boolean}.
 */
function write(ctx: CallContext, id: GuestValue | undefined, entry: GuestValue | undefined, options: GuestValue | undefined): Promise<GuestValue> {
  const key = idFromGuest(id ?? null, 'tools.write: id');
  const e = entryFromGuest(entry ?? null, 'tools.write: entry');
  if (e.id !== key) throw new ArgumentFailure(`tools.write: entry.id "${e.id}" is not the id written, "${key}"`);
  const o = writeOptions(options);
  const actor = o.actor !== undefined ? actorFromGuest(o.actor, 'tools.write: options.actor') : ctx.actor;
  const registry: Registry = requireService(ctx, 'registry', 'tools.write');
  return guarded('tools.write', async (): Promise<GuestValue> => {
    for (let attempt = 1; ; attempt++) {
      const snap = registry.current();
      const existing = snap.get(key);
      const refused = refusal(snap, key, e, existing, o, actor);
      if (refused !== undefined) return { refused };
      const cs = existing ? snap.changes().update(e) : snap.changes().create(e);
      try {
        const info = await applyAsCaller(ctx, registry, cs);
        return { version: info.version, existed: existing !== undefined };
      } catch (err) {
        const code = errorCode(err);
        if (attempt >= MAX_WRITE_ATTEMPTS || (code !== 'REGISTRY_CONFLICT' && code !== 'REGISTRY_ALREADY_EXISTS')) throw err;
      }
    }
  });
}

export const toolsModule: ModuleSpec = {
  name: 'tools',
  privileged: true,
  summary:
    'Check tool drafts before registering them: tools.compile({language, source, modules?, method?, name?}) -> true, err ' +
    '(err names the line); tools.test(draft, input) -> result, err runs the draft once in an isolate as app.generated:<name> ' +
    '(untrusted: only non-privileged modules) and returns what its handler returned; tools.check_input(schema, input) -> true, err ' +
    'checks an input against an input schema as the agent checks a model\'s call (err names each field); tools.target(snapshot|nil, id, {scope?, actor?, aliases?}) -> ' +
    '{snapshot, existing, action, decision?, scope_error?, aliases?} reads what writing a tool at id on that snapshot (nil: the newest) ' +
    'meets, in one host call; the write goes on target.snapshot. tools.write(id, entry, {scope?, actor?, aliases?, loaded?}) -> ' +
    '{version, existed} | {refused} makes the same checks and the write in one host call, retrying lost races (version: a number).',
  functions: {
    // Compiling never runs the source: the calling worker does it with its own compile engine, and only
    // falls back to the draft pool (compile_remote) when that engine is not loaded there.
    compile: (ctx, draft) => {
      const spec = compileOnlySpec(draft);
      callOptions(ctx);
      const local = ctx.compile?.(spec);
      if (local?.status === 'compiled') {
        if (local.error) throw failure(spec, local.error);
        return true;
      }
      if (!ctx.invoke) throw new ModuleFailure('Unavailable', 'tools.compile: no compile engine here and no way to reach the draft pool');
      return ctx.invoke('tools', 'compile_remote', [draft ?? null]);
    },
    /** The draft pool path of tools.compile (internal: tools.compile calls it when it cannot compile locally). */
    compile_remote: async (ctx, draft) => {
      const spec = compileOnlySpec(draft);
      const compileSpec = draftService(ctx, 'compileSpec', 'tools.compile');
      const error = await compileSpec(spec, callOptions(ctx));
      if (error) throw failure(spec, error);
      return true;
    },
    test: async (ctx, draft, input) => {
      const spec = draftSpec(draft, 'tools.test');
      const runSpec = draftService(ctx, 'runSpec', 'tools.test');
      const result: CallResult = await runSpec(spec, toPlain(input ?? null, 'tools.test: input'), callOptions(ctx));
      if (result.status === 'error') throw failure(spec, result.error);
      return fromPlain(result.value);
    },
    // In the calling worker, like compile: a model-written schema's check runs where a stuck one is contained.
    check_input: (_ctx, schema, input) => {
      // The schema as the agent reads a tool's input_schema (object or JSON text, placeholder not checked);
      // unlike a tool entry, check_input has no default: a schema must be given.
      if (schema === undefined || schema === null || schema === '') throw new ArgumentFailure('tools.check_input: schema must be an object schema or its JSON text');
      const read = toolSchemaFrom(typeof schema === 'string' ? schema : toPlain(schema, 'tools.check_input: schema'));
      if (!read.ok) throw new ArgumentFailure(`tools.check_input: ${read.reason}`);
      const problems = valueProblems(inputProblems('tools.check_input', read.input, read.unchecked), toPlain(input ?? null, 'tools.check_input: input'));
      if (problems.length > 0) throw new ModuleFailure('Invalid', `the input does not match the schema, so a model's call with it would be refused: ${problemList(problems)}`);
      return true;
    },
    target,
    write,
  },
  remote: ['compile_remote', 'test', 'target', 'write'],
};
