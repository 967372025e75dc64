// `-p` with standard input: refusals that happen before any session opens (stdin too large, `-p -` at a
// terminal), and the bounded reader behind them.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_STDIN_BYTES, readToEnd, runHeadless } from '../../src/cli/headless.js';

function io() {
  let err = '';
  return { out: () => {}, err: (t: string) => void (err += t), env: { OPENAI_API_KEY: 'test', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }, stderr: () => err };
}

describe('-p and standard input', () => {
  it('refuses input over the limit, and -p - when stdin is a terminal, with exit 2 and the reason', async () => {
    const big = io();
    expect(await runHeadless({ positionals: [], flags: { prompt: 'summarise' } }, big, { isTTY: false, readStdin: async () => undefined })).toBe(2);
    expect(big.stderr()).toContain(`standard input is over ${MAX_STDIN_BYTES / (1024 * 1024)} MB`);
    const tty = io();
    expect(await runHeadless({ positionals: [], flags: { prompt: '-' } }, tty, { isTTY: true })).toBe(2);
    expect(tty.stderr()).toContain('-p - reads the prompt from standard input, which is a terminal here');
  });

  it('reads a stream to its end, or gives up once it passes the limit', async () => {
    expect(await readToEnd(Readable.from([Buffer.from('ab'), Buffer.from('ć\n')]), 10)).toBe('abć\n');
    expect(await readToEnd(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), 10)).toBeUndefined();
  });
});
