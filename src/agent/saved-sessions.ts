// The saved conversations of a home (<home>/sessions/*.json, owner-only): where a new one is written, the
// newest to resume, reading one back with a clear error, atomic saves, and pruning to the newest few.
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { basename, join } from 'node:path';
import { SavedSessionSchema, type SavedSession } from '../../schemas/saved-session.js';
import { AppError, errorMessage } from '../errors/app-error.js';
import { replaceFile } from '../store/atomic-file.js';

/** Saved conversations kept per home; older ones are removed when a new one is created. */
export const KEEP_SESSIONS = 20;

export function sessionsDir(home: string): string {
  return join(home, 'sessions');
}

/** The saved conversations of `home`, newest first (by their last save). */
export function savedSessionFiles(home: string): string[] {
  const dir = sessionsDir(home);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .map((n) => ({ file: join(dir, n), mtime: statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.mtime - a.mtime || (a.file < b.file ? 1 : -1))
    .map((f) => f.file);
}

/** A fresh file name for a new conversation (nothing is written yet); the oldest beyond `keep` are removed. */
export function newSessionFile(home: string, now = new Date(), keep = KEEP_SESSIONS): string {
  const dir = sessionsDir(home);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const old of savedSessionFiles(home).slice(Math.max(0, keep - 1))) {
    try {
      unlinkSync(old);
    } catch {
      // another process removed it first
    }
  }
  return join(dir, `${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.json`);
}

/** Reads a saved conversation; throws AppError CONFIG_INVALID naming the file and what is wrong with it. */
export function readSavedSession(file: string): SavedSession {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('CONFIG_INVALID', `cannot continue the conversation in ${file}: ${errorMessage(err)}`, { path: file });
  }
  const parsed = SavedSessionSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('CONFIG_INVALID', `cannot continue the conversation in ${file}: ${issue.path.join('.') || 'the file'}: ${issue.message}`, { path: file });
  }
  return parsed.data;
}

/** Writes `session` to `file` through a temporary file (a crash leaves the old save or the new one). */
export function writeSavedSession(file: string, session: SavedSession): void {
  replaceFile(file, JSON.stringify(session), 0o600);
}

/** A saved conversation's id: its file name without `.json`. */
export function sessionId(file: string): string {
  return basename(file, '.json');
}

/** The saved conversation whose id is `id` or starts with it; AppError USAGE when none or several match. */
export function findSavedSession(home: string, id: string): string {
  const files = savedSessionFiles(home);
  const exact = files.find((f) => sessionId(f) === id);
  if (exact) return exact;
  const matches = files.filter((f) => sessionId(f).startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new AppError('USAGE', `no saved conversation '${id}' in ${sessionsDir(home)} (micro-agi sessions lists them)`);
  throw new AppError('USAGE', `'${id}' names ${matches.length} saved conversations: ${matches.map(sessionId).join(', ')}`);
}

/** The save to go on from: the one `--resume ID` names (see findSavedSession), else the newest; undefined when none. */
export function sessionToResume(home: string, id: string | undefined): string | undefined {
  return id !== undefined ? findSavedSession(home, id) : savedSessionFiles(home)[0];
}
