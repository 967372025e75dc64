// Home directory resolution: --home beats MICRO_AGI_HOME beats ~/.micro-agi; it is created; a file in
// the way is a CONFIG_INVALID error naming the path and its source.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { homeLocation, registryDbPath, resolveHome } from '../../src/store/home.js';

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

it('homeLocation names the directory resolveHome will use, and creates nothing', () => {
  const env = { HOME: join(dir, 'loc-user'), MICRO_AGI_HOME: join(dir, 'loc-env') };
  expect(homeLocation(join(dir, 'loc-flag'), env)).toEqual({ dir: join(dir, 'loc-flag'), source: '--home' });
  expect(homeLocation(undefined, env)).toEqual({ dir: join(dir, 'loc-env'), source: 'MICRO_AGI_HOME' });
  expect(homeLocation('', { HOME: join(dir, 'loc-user') })).toEqual({ dir: join(dir, 'loc-user', '.micro-agi'), source: 'default' });
  expect(homeLocation('~/x', { HOME: join(dir, 'loc-user') }).dir).toBe(join(dir, 'loc-user', 'x'));
  for (const name of ['loc-flag', 'loc-env', 'loc-user']) expect(existsSync(join(dir, name))).toBe(false);
  expect(resolveHome(undefined, env)).toBe(homeLocation(undefined, env).dir);
});

it('names the path and its source when the home is a file', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  expect(() => resolveHome(undefined, { MICRO_AGI_HOME: file })).toThrow(
    expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringMatching(/a-file.*MICRO_AGI_HOME/) }),
  );
});
