// Turns a changeset's ops into store changes: ids, entry copies and validation, duplicates, existence,
// local conflict detection and security, all before anything is written. Throws the first problem found.
import type { Entry } from '../../schemas/entry.js';
import { AppError } from '../errors/app-error.js';
import type { Actor, Scope } from '../security/types.js';
import { conflictError } from '../store/commit-checks.js';
import type { StoredChange } from '../store/store.js';
import { checkEntryId, toFrozenEntry } from './plain-entry.js';
import type { ChangeOp } from './types.js';

export interface PrepareContext {
  /** The newest state known to this process. */
  readonly get: (id: string) => Entry | undefined;
  /** Latest stored version that changed the id (0 when never changed in the store). */
  readonly lastChange: (id: string) => number;
  readonly baseVersion: number;
}

/**
 * Validate every op. Existence is checked against the newest known state: for an id with no change after
 * the base version that state equals the base snapshot's, and ids changed after it fail as conflicts.
 */
export function prepareChanges(ops: readonly ChangeOp[], ctx: PrepareContext): StoredChange[] {
  if (ops.length === 0) throw new AppError('REGISTRY_EMPTY_CHANGESET', 'nothing to apply: the changeset has no operations');
  const seen = new Set<string>();
  const out: StoredChange[] = [];
  ops.forEach((op, index) => {
    const where = `changeset op ${index + 1} (${String(op?.op)})`;
    if (op === null || typeof op !== 'object' || (op.op !== 'create' && op.op !== 'update' && op.op !== 'delete')) {
      throw new AppError('REGISTRY_INVALID_ENTRY', `${where}: unknown operation; expected create, update or delete`, { index });
    }
    const rawId = op.op === 'delete' ? op.id : (op.entry as { id?: unknown } | undefined)?.id;
    const id = checkEntryId(rawId, where);
    if (seen.has(id)) {
      throw new AppError('REGISTRY_INVALID_ENTRY', `entry "${id}" appears more than once in one changeset (${where})`, { id, index });
    }
    seen.add(id);
    const changedAt = ctx.lastChange(id);
    if (changedAt > ctx.baseVersion) throw conflictError(id, ctx.baseVersion, changedAt);
    const existing = ctx.get(id);
    if (op.op === 'delete') {
      if (!existing) throw new AppError('REGISTRY_NOT_FOUND', `cannot delete "${id}": no such entry (${where})`, { id });
      out.push({ op: 'delete', id, kind: existing.kind });
      return;
    }
    const entry = toFrozenEntry(op.entry, where);
    if (op.op === 'create' && existing) {
      throw new AppError('REGISTRY_ALREADY_EXISTS', `cannot create "${id}": it already exists (use update) (${where})`, { id });
    }
    if (op.op === 'update' && !existing) {
      throw new AppError('REGISTRY_NOT_FOUND', `cannot update "${id}": no such entry (use create) (${where})`, { id });
    }
    out.push({ op: op.op, id, kind: entry.kind, entry });
  });
  return out;
}

/** Evaluate `registry.<op>` on every change; any deny refuses the whole changeset. */
export function authorize(changes: readonly StoredChange[], actor: Actor, scope: Scope): void {
  for (const c of changes) {
    const action = `registry.${c.op}`;
    if (scope.evaluate(actor, action, c.id, { kind: c.kind }) === 'deny') {
      throw new AppError('SECURITY_DENIED', `actor "${actor.id}" is denied ${action} on "${c.id}"; nothing was written`, {
        action,
        resource: c.id,
        actor: actor.id,
      });
    }
  }
}
