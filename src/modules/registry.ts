// The `registry` tool module (privileged): read entries, find with Wippy filters, snapshots, changesets
// applied as the calling actor under the call's scope, versions and history. Runs on the supervisor.
import type { Entry } from '../../schemas/entry.js';
import { errorMessage } from '../errors/app-error.js';
import type { Changeset, HistoryRecord, Registry, Snapshot, VersionInfo } from '../registry/types.js';
import { typeName } from './bytes.js';
import { asList, asString, entryFromGuest, entryToGuest, idFromGuest, isTable } from './guest-data.js';
import { callScope, guarded, requireService } from './host-services.js';
import { translateFindFilter } from './registry-filter.js';
import { ArgumentFailure, ModuleFailure, type CallContext, type GuestValue, type HostFn, type ModuleSpec, type TypedValue } from './module-spec.js';

export const SNAPSHOT_TYPE = 'registry.Snapshot';
export const CHANGES_TYPE = 'registry.Changes';
export const VERSION_TYPE = 'registry.Version';

type OpKind = 'entry.create' | 'entry.update' | 'entry.delete';
/** One pending operation as the guest sees it in `changes:ops()`. */
interface GuestOp {
  readonly kind: OpKind;
  readonly entry: Entry | { readonly id: string };
}

/** The host-side state of one Changes value, kept in the call's handle table. */
class PendingChanges {
  constructor(
    readonly base: number,
    readonly ops: GuestOp[],
  ) {}
}

function registryOf(ctx: CallContext): Registry {
  return requireService(ctx, 'registry', 'registry');
}

/** The guest value of the snapshot at `version` (what registry.snapshot() returns). */
export function snapshotValue(version: number): TypedValue {
  return { __type: SNAPSHOT_TYPE, version };
}

/** A version given as an integer or a registry.Version value. */
function versionArg(v: GuestValue | undefined, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n) return Number(v);
  if (isTable(v) && v.__type === VERSION_TYPE) return versionArg(v.id, what);
  throw new ArgumentFailure(`${what}: version number expected, got ${typeName(v ?? null)}`);
}

/**
 * A Wippy Version value (`v:id()`, `v:string()`, `v:previous()`), carrying the commit's time, actor,
 * message and change count when known (`v:time()`, `v:actor()`, `v:message()`, `v:changes()`).
 */
function versionValue(id: number, info?: VersionInfo): TypedValue {
  return {
    __type: VERSION_TYPE,
    id,
    time: info?.time ?? null,
    actor: info?.actor ?? null,
    message: info?.message ?? null,
    changes: info?.changes ?? null,
  };
}

function versionOf(registry: Registry, id: number): TypedValue {
  return versionValue(id, registry.versions().find((v) => v.version === id));
}

function versionField(self: GuestValue | undefined, field: 'time' | 'actor' | 'message' | 'changes'): GuestValue {
  if (!isTable(self) || self.__type !== VERSION_TYPE) throw new ArgumentFailure(`v:${field}: self must be a registry.Version (use v:${field}())`);
  return self[field] ?? null;
}

function snapshotOf(ctx: CallContext, self: GuestValue | undefined, where: string): Snapshot {
  const version = snapshotVersion(self, where);
  const registry = registryOf(ctx);
  try {
    return registry.snapshotAt(version);
  } catch (err) {
    throw new ModuleFailure('NotFound', `${where}: registry version ${version} is not available (${errorMessage(err)})`);
  }
}

/** The version a Snapshot value names (not checked against the registry). */
function snapshotVersion(self: GuestValue | undefined, where: string): number {
  if (!isTable(self) || self.__type !== SNAPSHOT_TYPE) {
    throw new ArgumentFailure(`${where}: self must be a registry.Snapshot (use snap:method(...)), got ${typeName(self ?? null)}`);
  }
  return versionArg(self.version, `${where}: snapshot version`);
}

function getFrom(snap: Snapshot, id: GuestValue | undefined, where: string): GuestValue {
  const key = idFromGuest(id ?? null, `${where}: id`);
  const entry = snap.get(key);
  if (!entry) throw new ModuleFailure('NotFound', `${where}: entry "${key}" not found`, { details: { id: key } });
  return entryToGuest(entry);
}

function findIn(snap: Snapshot, filter: GuestValue | undefined): GuestValue {
  const t = translateFindFilter(filter);
  let found = snap.find(t.filter);
  if (t.test) found = found.filter(t.test);
  return found.map(entryToGuest);
}

function versionInfoToGuest(v: VersionInfo): GuestValue {
  return versionValue(v.version, v);
}

function historyToGuest(h: HistoryRecord): GuestValue {
  return { version: h.version, time: h.time, actor: h.actor, change: h.change, entry: h.entry ? entryToGuest(h.entry) : null };
}

// --- Changes ------------------------------------------------------------------------------------------

function changesValue(state: PendingChanges, handle: number): TypedValue {
  return { __type: CHANGES_TYPE, base: state.base, handle, ops: state.ops.map(opToGuest) };
}

function opToGuest(op: GuestOp): GuestValue {
  return { kind: op.kind, entry: 'kind' in op.entry ? entryToGuest(op.entry as Entry) : { id: op.entry.id } };
}

function opFromGuest(v: GuestValue, where: string): GuestOp {
  if (!isTable(v) || typeof v.kind !== 'string') throw new ArgumentFailure(`${where}: op {kind, entry} expected`);
  const kind = v.kind as OpKind;
  if (kind === 'entry.delete') return { kind, entry: { id: idFromGuest(v.entry ?? null, `${where}.entry`) } };
  if (kind === 'entry.create' || kind === 'entry.update') return { kind, entry: entryFromGuest(v.entry ?? null, `${where}.entry`) };
  throw new ArgumentFailure(`${where}: unknown op kind "${v.kind}"`);
}

/**
 * The state behind a Changes value: its handle in this call when still live, else rebuilt from the
 * value's own `ops` (a value kept from `ch = ch:create(e)` always carries every op).
 */
function stateOf(ctx: CallContext, self: GuestValue | undefined, where: string): { state: PendingChanges; handle: number } {
  if (!isTable(self) || self.__type !== CHANGES_TYPE) {
    throw new ArgumentFailure(`${where}: self must be a registry.Changes (use changes:method(...)), got ${typeName(self ?? null)}`);
  }
  const base = versionArg(self.base, `${where}: base version`);
  if (typeof self.handle === 'number') {
    let live: unknown;
    try {
      live = ctx.handles.get<unknown>(self.handle);
    } catch {
      live = undefined;
    }
    if (live instanceof PendingChanges && live.base === base) return { state: live, handle: self.handle };
  }
  const ops = asList(self.ops ?? [], `${where}: ops`).map((op, i) => opFromGuest(op, `${where}: ops[${i + 1}]`));
  const state = new PendingChanges(base, ops);
  return { state, handle: ctx.handles.put(state) };
}

function addOps(kind: OpKind): HostFn {
  const where = `changes:${kind.slice(6)}`;
  return (ctx, self, arg) => {
    const { state, handle } = stateOf(ctx, self, where);
    if (kind === 'entry.delete') {
      // delete(id | {ns,name} | entry | list of those)
      const items = Array.isArray(arg) ? arg : [arg ?? null];
      for (const item of items) state.ops.push({ kind, entry: { id: idFromGuest(item, `${where}: id`) } });
    } else {
      state.ops.push({ kind, entry: entryFromGuest(arg, `${where}: entry`) });
    }
    return changesValue(state, handle);
  };
}

/** Apply `state` on the supervisor: as the calling actor, under the call's scope. */
async function applyState(ctx: CallContext, state: PendingChanges): Promise<GuestValue> {
  if (state.ops.length === 0) throw new ModuleFailure('Invalid', 'changes:apply: no changes to apply');
  const registry = registryOf(ctx);
  return guarded('changes:apply', async () => {
    let cs = registry.snapshotAt(state.base).changes();
    for (const op of state.ops) {
      if (op.kind === 'entry.delete') cs = cs.delete(op.entry.id);
      else if (op.kind === 'entry.create') cs = cs.create(op.entry as Entry);
      else cs = cs.update(op.entry as Entry);
    }
    const info = await applyAsCaller(ctx, registry, cs);
    return versionValue(info.version, info);
  });
}

/** Apply a changeset as the calling tool's actor under the call's scope (what changes:apply does). */
export function applyAsCaller(ctx: CallContext, registry: Registry, cs: Changeset): Promise<VersionInfo> {
  const scope = callScope(ctx);
  return registry.apply(cs, { actor: ctx.actor, ...(scope ? { scope } : {}), message: `applied by ${ctx.entryId}` });
}

/**
 * `changes:apply`. Changes values are built in the isolate worker (their ops live in the worker's handle
 * table), so apply resolves them there and sends the ops in one host call (`apply_changes`); on the
 * supervisor (services present) it applies directly.
 */
function applyChanges(ctx: CallContext, self: GuestValue | undefined): GuestValue | Promise<GuestValue> {
  const { state } = stateOf(ctx, self, 'changes:apply');
  if (state.ops.length === 0) throw new ModuleFailure('Invalid', 'changes:apply: no changes to apply');
  if (ctx.services || !ctx.invoke) return applyState(ctx, state);
  return ctx.invoke('registry', 'apply_changes', [state.base, state.ops.map(opToGuest)]);
}

/** The host path of changes:apply: `registry.apply_changes(base_version, ops)` with ops as `changes:ops()` lists them. */
function applyChangesRemote(ctx: CallContext, base: GuestValue | undefined, ops: GuestValue | undefined): Promise<GuestValue> {
  const version = versionArg(base, 'registry.apply_changes: base version');
  const list = asList(ops ?? [], 'registry.apply_changes: ops').map((op, i) => opFromGuest(op, `registry.apply_changes: ops[${i + 1}]`));
  return applyState(ctx, new PendingChanges(version, list));
}

// --- module functions -----------------------------------------------------------------------------------

function parseId(_ctx: CallContext, id: GuestValue | undefined): GuestValue {
  const s = asString(id ?? null, 'registry.parse_id: id');
  const i = s.indexOf(':');
  return i === -1 ? { ns: '', name: s } : { ns: s.slice(0, i), name: s.slice(i + 1) };
}

export const registryModule: ModuleSpec = {
  name: 'registry',
  privileged: true,
  summary:
    'Read and change the registry: get(id), find(filter) with Wippy selectors ([".kind"], [".ns"], ["meta.type"], ~ * ^ $ operators), ' +
    'snapshot() -> Snapshot (entries/get/find/namespace/version/changes), Changes (create/update/delete/ops/apply -> Version; ' +
    'apply_changes(base, ops) is the host half of apply), ' +
    'Version (id/string/previous/time/actor/message), current_version(), versions(), history(id), apply_version(v), parse_id(id). Writes run as the calling actor and are checked against its security scope.',
  functions: {
    get: (ctx, id) => guarded('registry.get', () => getFrom(registryOf(ctx).current(), id, 'registry.get')),
    find: (ctx, filter) => guarded('registry.find', () => findIn(registryOf(ctx).current(), filter)),
    parse_id: parseId,
    snapshot: (ctx) => snapshotValue(registryOf(ctx).current().version),
    snapshot_at: (ctx, v) => {
      const version = versionArg(v, 'registry.snapshot_at: version');
      return guarded('registry.snapshot_at', () => snapshotValue(registryOf(ctx).snapshotAt(version).version));
    },
    current_version: (ctx) => {
      const registry = registryOf(ctx);
      return versionOf(registry, registry.current().version);
    },
    versions: (ctx) => registryOf(ctx).versions().map(versionInfoToGuest),
    history: (ctx, id) => {
      const registry = registryOf(ctx);
      if (id === undefined || id === null) return registry.versions().map(versionInfoToGuest);
      return registry.history(idFromGuest(id, 'registry.history: id')).map(historyToGuest);
    },
    apply_changes: applyChangesRemote,
    apply_version: (ctx, v) => {
      const version = versionArg(v, 'registry.apply_version: version');
      const registry = registryOf(ctx);
      return guarded('registry.apply_version', async () => {
        const scope = callScope(ctx);
        await registry.rollbackTo(version, { actor: ctx.actor, ...(scope ? { scope } : {}), message: `apply_version ${version} by ${ctx.entryId}` });
        return true;
      });
    },
  },
  // Changes values (snap:changes, changes:create/update/delete/ops/apply) are built in the isolate worker:
  // only apply touches the registry, through apply_changes (one host call for the whole changeset).
  remote: [
    'get', 'find', 'snapshot', 'snapshot_at', 'current_version', 'versions', 'history', 'apply_version', 'apply_changes',
    `${SNAPSHOT_TYPE}:entries`, `${SNAPSHOT_TYPE}:get`, `${SNAPSHOT_TYPE}:find`, `${SNAPSHOT_TYPE}:namespace`,
    `${SNAPSHOT_TYPE}:version`,
  ],
  types: {
    [SNAPSHOT_TYPE]: {
      methods: {
        entries: (ctx, self) => snapshotOf(ctx, self, 'snap:entries').entries().map(entryToGuest),
        get: (ctx, self, id) => guarded('snap:get', () => getFrom(snapshotOf(ctx, self, 'snap:get'), id, 'snap:get')),
        find: (ctx, self, filter) => guarded('snap:find', () => findIn(snapshotOf(ctx, self, 'snap:find'), filter)),
        namespace: (ctx, self, ns) => snapshotOf(ctx, self, 'snap:namespace').namespace(asString(ns ?? null, 'snap:namespace: ns')).map(entryToGuest),
        version: (ctx, self) => versionOf(registryOf(ctx), snapshotOf(ctx, self, 'snap:version').version),
        changes: (ctx, self) => {
          // In the worker (no registry here) the base version is checked when the changes are applied.
          const base = ctx.services ? snapshotOf(ctx, self, 'snap:changes').version : snapshotVersion(self, 'snap:changes');
          const state = new PendingChanges(base, []);
          return changesValue(state, ctx.handles.put(state));
        },
      },
      tostring: (_ctx, self) => `registry.Snapshot(version ${String(isTable(self) ? self.version : '?')})`,
    },
    [VERSION_TYPE]: {
      methods: {
        id: (_ctx, self) => versionArg(self, 'v:id: self'),
        string: (_ctx, self) => String(versionArg(self, 'v:string: self')),
        previous: (_ctx, self) => {
          const id = versionArg(self, 'v:previous: self');
          return id > 0 ? versionValue(id - 1) : null;
        },
        time: (_ctx, self) => versionField(self, 'time'),
        actor: (_ctx, self) => versionField(self, 'actor'),
        message: (_ctx, self) => versionField(self, 'message'),
        changes: (_ctx, self) => versionField(self, 'changes'),
      },
      tostring: (_ctx, self) => String(versionArg(self, 'tostring(version)')),
    },
    [CHANGES_TYPE]: {
      methods: {
        create: addOps('entry.create'),
        update: addOps('entry.update'),
        delete: addOps('entry.delete'),
        ops: (ctx, self) => stateOf(ctx, self, 'changes:ops').state.ops.map(opToGuest),
        apply: applyChanges,
      },
    },
  },
};
