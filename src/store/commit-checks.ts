// Checks every Store implementation makes before writing a version: arguments, and the conflict error.
// Shared so SQLite, memory and future stores fail with identical codes, messages and details.
import { AppError } from '../errors/app-error.js';
import type { StoredChange } from './store.js';

const OPS = new Set(['create', 'update', 'delete']);

/** Reject malformed commit arguments (programmer bugs except the empty changeset, which callers can cause). */
export function checkCommitArgs(baseVersion: number, changes: readonly StoredChange[]): void {
  if (!Number.isInteger(baseVersion) || baseVersion < 0) {
    throw new AppError('STORE_FAILED', `commit base version must be a non-negative integer, got ${String(baseVersion)}`);
  }
  if (changes.length === 0) {
    throw new AppError('REGISTRY_EMPTY_CHANGESET', 'nothing to commit: the changeset has no operations');
  }
  const seen = new Set<string>();
  for (const c of changes) {
    if (!OPS.has(c.op)) throw new AppError('STORE_FAILED', `unknown change op "${String(c.op)}" for "${c.id}"`);
    if (seen.has(c.id)) {
      throw new AppError('REGISTRY_INVALID_ENTRY', `entry "${c.id}" appears more than once in one changeset`, { id: c.id });
    }
    seen.add(c.id);
    if (c.op !== 'delete' && (c.entry === undefined || c.entry.id !== c.id)) {
      throw new AppError('STORE_FAILED', `change ${c.op} of "${c.id}" must carry the entry with that id`);
    }
  }
}

/** The optimistic-concurrency failure: `id` changed in version `changedAt`, after the changeset's base. */
export function conflictError(id: string, baseVersion: number, changedAt: number): AppError {
  return new AppError(
    'REGISTRY_CONFLICT',
    `entry "${id}" was changed in version ${changedAt}, after this changeset's base version ${baseVersion}; ` +
      'take a fresh snapshot and retry',
    { id, baseVersion, changedAt },
  );
}
