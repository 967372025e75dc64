// The REPL in terminal mode (readline with terminal: true over an in-memory stream standing in for a TTY):
// Ctrl-C typed as a key (readline's 'SIGINT') cancels a streaming turn, clears a typed line, and markdown
// answers are rendered as ANSI. Runs the real session (pool, agent worker) against the fake OpenAI server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASTE_OFF, PASTE_ON } from '../../src/cli/paste-input.js';
import { CONTINUATION_PROMPT, runRepl } from '../../src/cli/repl.js';
import { reply, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

let fake: FakeOpenAI;
let scratch: string;

beforeEach(async () => {
  fake = await startFakeOpenAI();
  scratch = mkdtempSync(join(tmpdir(), 'micro-agi-tty-'));
});

afterEach(async () => {
  await fake.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A terminal: keys go in through `input`; readline's echo and the transcript land in one screen text. */
function terminal() {
  let screen = '';
  const waiters = new Set<() => void>();
  const append = (s: string): void => {
    screen += s;
    for (const w of [...waiters]) w();
  };
  const output = new Writable({
    write(chunk, _enc, cb) {
      append(String(chunk));
      cb();
    },
  });
  let errors = '';
  return {
    input: new PassThrough(),
    output,
    io: {
      out: append,
      err: (s: string) => {
        errors += s;
        append('');
      },
      env: { OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'test' } as NodeJS.ProcessEnv,
    },
    screen: () => screen,
    errors: () => errors,
    until(pred: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const w = (): void => {
          if (pred()) {
            waiters.delete(w);
            resolve();
          }
        };
        waiters.add(w);
        w();
      });
    },
  };
}

describe('REPL on a terminal', () => {
  it('Ctrl-C as a key cancels the streaming turn; the next answer is rendered as ANSI markdown', async () => {
    fake.script(
      { type: 'chat', steps: [{ type: 'text', text: 'Thinking aloud\n' }, { type: 'emit', name: 'streaming' }, { type: 'hang' }] },
      reply.text('# Time\nIt is **noon**.'),
    );
    const t = terminal();
    const done = runRepl({ positionals: [], flags: { home: join(scratch, 'home') } }, t.io, { input: t.input, output: t.output, isTTY: true });
    await t.until(() => t.screen().startsWith('dev assistant (quit to exit)\n\n') && t.screen().includes('> '));
    t.input.write('tell a story\r');
    await fake.reached('streaming');
    await t.until(() => t.screen().includes('Thinking aloud\n'));
    t.input.write('\x03'); // Ctrl-C
    await t.until(() => t.errors().includes('(turn canceled)'));
    await fake.requests[0]!.done;
    expect(fake.requests[0]!.closedByClient).toBe(true);

    // typed text then Ctrl-C: the line is dropped, nothing is sent
    t.input.write('never mind');
    t.input.write('\x03');
    t.input.write('what time?\r');
    await t.until(() => t.screen().includes('noon'));
    expect(fake.requests).toHaveLength(2);
    const sent = fake.requests[1]!.body.messages as { role: string; content: string }[];
    expect(sent.map((m) => m.content).join('\n')).not.toContain('never mind');
    expect(t.screen()).toContain('\x1b[1m\x1b[4mTime\x1b[0m\nIt is \x1b[1mnoon\x1b[22m.\n');

    t.input.write('quit\r');
    expect(await done).toBe(0);
    // bracketed paste was on while the prompt ran, and is off again when it ends
    expect(t.screen()).toContain(`\n\n${PASTE_ON}`);
    expect(t.screen().endsWith(`Bye!\n${PASTE_OFF}`)).toBe(true);
  });
});

describe('REPL history on a terminal', () => {
  it('up-arrow in a new session recalls a question typed in the previous one', async () => {
    fake.script(reply.text('first answer'), reply.text('second answer'));
    const flags = { home: join(scratch, 'home') };
    const one = terminal();
    const first = runRepl({ positionals: [], flags }, one.io, { input: one.input, output: one.output, isTTY: true });
    await one.until(() => one.screen().includes('> '));
    one.input.write('how big is the moon?\r');
    await one.until(() => one.screen().includes('first answer'));
    one.input.write('quit\r');
    expect(await first).toBe(0);

    const two = terminal();
    const second = runRepl({ positionals: [], flags }, two.io, { input: two.input, output: two.output, isTTY: true });
    await two.until(() => two.screen().includes('> '));
    two.input.write('\x1b[A\x1b[A\r'); // up twice: past "quit" to the question
    await two.until(() => two.screen().includes('second answer'));
    const sent = fake.requests[1]!.body.messages as { role: string; content: string }[];
    expect(sent.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['how big is the moon?']);
    two.input.write('quit\r');
    expect(await second).toBe(0);
    expect(two.errors()).not.toContain('warning');
  });
});

describe('REPL multi-line input on a terminal', () => {
  it('a pasted block is one question with its line breaks, and a line ending in a backslash goes on', async () => {
    fake.script(reply.text('got the paste'), reply.text('got the lines'));
    const t = terminal();
    const done = runRepl({ positionals: [], flags: { home: join(scratch, 'home') } }, t.io, { input: t.input, output: t.output, isTTY: true });
    await t.until(() => t.screen().includes('> '));
    // the terminal wraps a paste in ESC[200~ ... ESC[201~; the end marker arrives in two reads
    t.input.write('\x1b[200~why does this fail?\r\nTypeError: x is undefined\r    at main (a.js:3)\x1b[20');
    t.input.write('1~\r');
    await t.until(() => t.screen().includes('got the paste'));
    expect(t.screen()).toContain('why does this fail?\u2424TypeError: x is undefined\u2424    at main (a.js:3)');
    t.input.write('first line\\\r');
    await t.until(() => t.screen().split('first line\\')[1]?.includes(CONTINUATION_PROMPT) === true);
    t.input.write('second line\r');
    await t.until(() => t.screen().includes('got the lines'));
    const asked = fake.requests.map((r) => (r.body.messages as { role: string; content: string }[]).filter((m) => m.role === 'user').at(-1)!.content);
    expect(asked).toEqual(['why does this fail?\nTypeError: x is undefined\n    at main (a.js:3)', 'first line\nsecond line']);
    t.input.write('quit\r');
    expect(await done).toBe(0);
  });
});
