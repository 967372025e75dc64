// Saved conversations on disk: newest first, pruned to the newest few when a new one starts, written
// whole (owner-only) and read back, and a damaged file refused naming the file and the field.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newSessionFile, readSavedSession, savedSessionFiles, sessionsDir, writeSavedSession } from '../../src/agent/saved-sessions.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'micro-agi-sessions-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const session = (text: string) => ({
  version: 1 as const,
  agent: 'app:dev_assistant',
  model: 'gpt-5.1',
  updated: '2026-11-22T10:00:00.000Z',
  messages: [{ role: 'user' as const, content: text }],
  loaded: ['app.generated:clock'],
});

describe('saved sessions', () => {
  it('lists the newest first and keeps the newest few when a new conversation starts', () => {
    mkdirSync(sessionsDir(home));
    for (let i = 0; i < 6; i++) {
      const f = join(sessionsDir(home), `s${i}.json`);
      writeFileSync(f, '{}');
      utimesSync(f, 1_000 + i, 1_000 + i);
    }
    expect(savedSessionFiles(home).map((f) => f.slice(-7))).toEqual(['s5.json', 's4.json', 's3.json', 's2.json', 's1.json', 's0.json']);
    const next = newSessionFile(home, new Date('2026-11-22T10:00:00Z'), 4);
    expect(next.startsWith(join(sessionsDir(home), '2026-11-22T10-00-00-000Z-'))).toBe(true);
    expect(readdirSync(sessionsDir(home)).sort()).toEqual(['s3.json', 's4.json', 's5.json']);
  });

  it('writes a conversation whole, readable by its owner only, and reads it back', () => {
    const file = newSessionFile(home);
    writeSavedSession(file, session('first'));
    writeSavedSession(file, session('second'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSavedSession(file)).toEqual(session('second'));
    expect(readdirSync(sessionsDir(home))).toHaveLength(1);
  });

  it('refuses a damaged file naming it and what is wrong', () => {
    const file = join(home, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...session('x'), messages: [{ role: 'wizard', content: 'x' }] }));
    expect(() => readSavedSession(file)).toThrow(new RegExp(`cannot continue the conversation in ${file}: messages\\.0`));
    writeFileSync(file, '{"version": 1');
    expect(() => readSavedSession(file)).toThrow(`cannot continue the conversation in ${file}:`);
  });
});
