// Home directory resolution: --home beats MICRO_AGI_HOME beats ~/.micro-agi; it is created; a file in
// the way is a CONFIG_INVALID error naming the path and its source.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { registryDbPath, resolveHome } from '../../src/store/home.js';

const dir = mkdtempSync(join(tmpdir(), 'micro-agi-home-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('prefers --home, then MICRO_AGI_HOME, then ~/.micro-agi, creating the directory', () => {
  const env = { HOME: join(dir, 'user'), MICRO_AGI_HOME: join(dir, 'from-env') };
  expect(resolveHome(join(dir, 'flag', 'nested'), env)).toBe(join(dir, 'flag', 'nested'));
  expect(statSync(join(dir, 'flag', 'nested')).isDirectory()).toBe(true);
  expect(resolveHome(undefined, env)).toBe(join(dir, 'from-env'));
  expect(resolveHome('', env)).toBe(join(dir, 'from-env'));
  expect(resolveHome(undefined, { HOME: join(dir, 'user'), MICRO_AGI_HOME: '' })).toBe(join(dir, 'user', '.micro-agi'));
  expect(existsSync(join(dir, 'user', '.micro-agi'))).toBe(true);
  expect(resolveHome('~/custom', { HOME: join(dir, 'user') })).toBe(join(dir, 'user', 'custom'));
  expect(registryDbPath(join(dir, 'from-env'))).toBe(join(dir, 'from-env', 'registry.db'));
});

it('names the path and its source when the home is a file', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  expect(() => resolveHome(undefined, { MICRO_AGI_HOME: file })).toThrow(
    expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/a-file.*MICRO_AGI_HOME/) }),
  );
});
