// Which build the runtime files come from: the bundle while it is current, tsc's output when the bundle is
// missing or older than tsc's last build (so an edit compiled with tsc alone never runs stale bundled code).
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUNDLE_MANIFEST, RUNTIME_FILES, bundleIsCurrentAt, packageRoot, runtimeFile } from '../src/paths.js';
import { existsSync, readFileSync } from 'node:fs';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function fakeBuild(files: { manifestAt?: number; tsbuildAt?: number }): string {
  const root = mkdtempSync(join(os.tmpdir(), 'micro-agi-paths-'));
  roots.push(root);
  mkdirSync(join(root, 'dist', 'bundle'), { recursive: true });
  const put = (rel: string, at: number): void => {
    writeFileSync(join(root, rel), '{}');
    utimesSync(join(root, rel), at, at);
  };
  if (files.manifestAt !== undefined) put(BUNDLE_MANIFEST, files.manifestAt);
  if (files.tsbuildAt !== undefined) put(join('dist', '.tsbuildinfo'), files.tsbuildAt);
  return root;
}

describe('bundleIsCurrentAt', () => {
  it('uses the bundle built after tsc', () => {
    expect(bundleIsCurrentAt(fakeBuild({ tsbuildAt: 1000, manifestAt: 1001 }))).toBe(true);
  });

  it('ignores a bundle older than the last tsc build (tsc run alone after an edit)', () => {
    expect(bundleIsCurrentAt(fakeBuild({ manifestAt: 1000, tsbuildAt: 1001 }))).toBe(false);
  });

  it('ignores a build without a bundle', () => {
    expect(bundleIsCurrentAt(fakeBuild({ tsbuildAt: 1000 }))).toBe(false);
  });
});

describe('the build under test (npm test runs npm run build first)', () => {
  it('is bundled, and every runtime file is a bundle entry that exists', () => {
    const root = packageRoot();
    expect(bundleIsCurrentAt(root)).toBe(true);
    const manifest = JSON.parse(readFileSync(join(root, BUNDLE_MANIFEST), 'utf8')) as { entries: Record<string, string> };
    expect(manifest.entries).toEqual(RUNTIME_FILES);
    for (const name of Object.keys(RUNTIME_FILES) as (keyof typeof RUNTIME_FILES)[]) {
      const file = runtimeFile(name);
      expect(file).toBe(join(root, 'dist', 'bundle', `${name}.js`));
      expect(existsSync(file)).toBe(true);
    }
  });
});
