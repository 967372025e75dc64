// `micro-agi tools create | history | rollback | rm | export` end to end: the built binary with a temporary
// --home (SQLite), create going through create_tool, and an export the loader reads back identically.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinAppDir, packageRoot } from '../../src/paths.js';
import { loadDefinitions } from '../../src/registry/loader.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Registry } from '../../src/registry/types.js';
import { registryDbPath } from '../../src/store/home.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const BIN = join(packageRoot(), 'bin', 'micro-agi.js');
let scratch: string;
let home: string;

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const env = { ...process.env, MICRO_AGI_HOME: '', MICRO_AGI_DEBUG: '', USER: 'tester' };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--home', home], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

async function openRegistry(): Promise<Registry> {
  const base = (await loadDefinitions(builtinAppDir(), { logWarnings: false })).entries;
  return createRegistry({ store: openSqliteStore(registryDbPath(home)), base });
}

async function withRegistry<T>(fn: (r: Registry) => T): Promise<T> {
  const registry = await openRegistry();
  try {
    return fn(registry);
  } finally {
    await registry.close();
  }
}

const V1 = 'local function handler(input)\n  return { shout = string.upper(input.text) }\nend\nreturn { handler = handler }\n';
const V2 = 'local function handler(input)\n  return { shout = string.upper(input.text) .. "!" }\nend\nreturn { handler = handler }\n';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'micro-agi-tools-cli-'));
  home = join(scratch, 'home');
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('tools authoring commands', () => {
  let v1 = 0;

  it('creates a tool through create_tool, running its tests first', async () => {
    const tests = file('shout.tests.json', JSON.stringify([{ input: { text: 'hi' }, expect: { shout: 'HI' } }]));
    const r = await cli('tools', 'create', '--name', 'shout', '--description', 'Upper-cases text', '--file', file('shout.lua', V1),
      '--schema', '{"type":"object","properties":{"text":{"type":"string"}}}', '--tests', tests, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { created: boolean; id: string; version: number };
    expect(out).toMatchObject({ created: true, updated: false, id: 'app.generated:shout', alias: 'shout' });
    v1 = out.version;
    await withRegistry((reg) => {
      const e = reg.current().get('app.generated:shout')!;
      expect(e.meta).toMatchObject({ type: 'tool', llm_alias: 'shout', created_by: 'user:tester' });
      expect(e.data).toEqual({ source: V1, modules: [], method: 'handler' });
    });
  });

  it('refuses through the same checks as the agent (a failing test case), writing nothing', async () => {
    const tests = file('bad.tests.json', JSON.stringify([{ input: { text: 'hi' }, expect: { shout: 'hi' } }]));
    const r = await cli('tools', 'create', '--name', 'shout', '--description', 'Upper-cases text', '--file', file('shout2.lua', V2), '--tests', tests);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('micro-agi: create_tool: 1 of 1 tests failed; nothing was written');
    expect(r.stderr).toContain('"shout": "HI!"');
    await withRegistry((reg) => expect(reg.current().version).toBe(v1));
  });

  it('updates, lists the history, and rolls back to the first version', async () => {
    const up = await cli('tools', 'create', '--name', 'shout', '--description', 'Upper-cases text, loudly', '--file', file('shout3.lua', V2));
    expect(up.status).toBe(0);
    expect(up.stdout).toBe(`updated app.generated:shout (registry version ${v1 + 1})\n`);

    const hist = await cli('tools', 'history', 'shout', '--json');
    expect(hist.status).toBe(0);
    const records = JSON.parse(hist.stdout) as { version: number; actor: string; change: string }[];
    expect(records.map((x) => [x.version, x.change, x.actor])).toEqual([
      [v1, 'create', 'user:tester'],
      [v1 + 1, 'update', 'user:tester'],
    ]);

    const back = await cli('tools', 'rollback', 'app.generated:shout', '--to', String(v1));
    expect(back.status).toBe(0);
    await withRegistry((reg) => {
      expect((reg.current().get('app.generated:shout')!.data as { source: string }).source).toBe(V1);
      expect(reg.history('app.generated:shout')).toHaveLength(3);
    });
  });

  it('removes a tool, and refuses ids outside app.generated', async () => {
    await cli('tools', 'create', '--name', 'temp_tool', '--description', 'Temporary', '--file', file('t.js', 'export function handler() { return 1; }'));
    const rm = await cli('tools', 'rm', 'app.generated:temp_tool');
    expect(rm.status).toBe(0);
    expect(rm.stdout).toMatch(/^removed app\.generated:temp_tool/);
    await withRegistry((reg) => expect(reg.current().get('app.generated:temp_tool')).toBeUndefined());
    const refused = await cli('tools', 'rm', 'app.tools:create_tool');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('app.tools:create_tool is not a generated tool');
  });

  it('exports app.generated as Wippy YAML that the loader reads back identically', async () => {
    await cli('tools', 'create', '--name', 'js_sum', '--description', 'Sums a list', '--file', file('sum.js', 'export function handler(i) {\n  return { sum: i.xs.reduce((a, b) => a + b, 0) };\n}\n'));
    const out = join(scratch, 'export');
    const r = await cli('tools', 'export', '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`exported 2 app.generated entries to ${out}\n`);
    expect(readFileSync(join(out, 'shout.lua'), 'utf8')).toBe(V1);
    expect(readFileSync(join(out, '_index.yaml'), 'utf8')).toContain('source: file://js_sum.js');

    const loaded = await loadDefinitions(out, { logWarnings: false });
    await withRegistry((reg) => {
      const stored = reg.current().namespace('app.generated');
      expect(loaded.entries.map((e) => e.id).sort()).toEqual(['app.generated:js_sum', 'app.generated:shout']);
      for (const e of loaded.entries) expect(e).toEqual(stored.find((s) => s.id === e.id));
    });
  });
});
