// The per-test workspace of the end-to-end tests: a fresh fake OpenAI server, a scratch directory with a
// home inside it, and the CLI environment pointing at the fake; created before and removed after each test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';
import { cliEnv } from './cli-process.js';

export interface E2eWorkspace {
  /** The fake OpenAI server of the running test. */
  readonly fake: FakeOpenAI;
  /** A scratch directory removed after the test. */
  readonly scratch: string;
  /** `<scratch>/home`, for --home. */
  readonly home: string;
  /** The CLI environment: the fake as provider, then `extra` (undefined removes a variable). */
  env(extra?: Readonly<Record<string, string | undefined>>): NodeJS.ProcessEnv;
}

/** Register the beforeEach/afterEach pair; read the fields inside tests (they change per test). */
export function useE2eWorkspace(): E2eWorkspace {
  let fake: FakeOpenAI | undefined;
  let scratch: string | undefined;
  beforeEach(async () => {
    fake = await startFakeOpenAI();
    scratch = mkdtempSync(join(tmpdir(), 'micro-agi-e2e-'));
  });
  afterEach(async () => {
    await fake?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    fake = undefined;
    scratch = undefined;
  });
  const current = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the e2e workspace's ${what} exists only inside a test`);
    return value;
  };
  return {
    get fake() {
      return current(fake, 'fake server');
    },
    get scratch() {
      return current(scratch, 'scratch directory');
    },
    get home() {
      return join(current(scratch, 'scratch directory'), 'home');
    },
    env(extra = {}) {
      return cliEnv({ OPENAI_BASE_URL: current(fake, 'fake server').url, OPENAI_API_KEY: 'test', ...extra });
    },
  };
}
