// End-to-end tests of the `micro-agi` binary (built dist/) with a temporary --home: registry views,
// policy decisions, usage errors and a broken --app that must fail with file:line and write nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/registry/loader.js';
import { createRegistry } from '../../src/registry/registry.js';
import { builtinAppDir, packageRoot } from '../../src/paths.js';
import { registryDbPath } from '../../src/store/home.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';

const BIN = join(packageRoot(), 'bin', 'micro-agi.js');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'apps');
let home: string;
let scratch: string;

function cli(...args: string[]): { status: number; stdout: string; stderr: string } {
  // No model configured: the agent (no command) explains the setup instead of starting.
  const env = { ...process.env, MICRO_AGI_HOME: '', MICRO_AGI_DEBUG: '', OPENAI_API_KEY: '', OPENAI_BASE_URL: '' };
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'micro-agi-cli-'));
  home = join(scratch, 'home');
  // one runtime version on top of the app definition, written through the real registry and store
  const base = (await loadDefinitions(builtinAppDir(), { logWarnings: false })).entries;
  const { resolveHome } = await import('../../src/store/home.js');
  const registry = await createRegistry({ store: openSqliteStore(registryDbPath(resolveHome(home))), base });
  const snap = registry.current();
  await registry.apply(
    snap.changes().create({
      id: 'app.generated:shout',
      kind: 'function.lua',
      meta: { type: 'tool', title: 'Shout', llm_alias: 'shout' },
      data: { source: 'return { handler = function(i) return string.upper(i.text) end }', method: 'handler', modules: [] },
    }),
    { actor: { id: 'service:agent', meta: { role: 'agent' } }, message: 'make a shouting tool' },
  );
  await registry.close();
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('micro-agi registry', () => {
  it('ls prints a table with the app entries and the stored generated tool', () => {
    const r = cli('registry', 'ls', '--home', home);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+TYPE\s+TITLE$/);
    expect(lines).toContainEqual(expect.stringMatching(/^app\.tools:load_tool\s+function\.lua\s+tool\s+Load tool$/));
    expect(lines).toContainEqual(expect.stringMatching(/^app:dev_assistant\s+registry\.entry\s+agent\.gen1\s+Dev Assistant$/));
    expect(lines).toContainEqual(expect.stringMatching(/^app\.generated:shout\s+function\.lua\s+tool\s+Shout$/));
    expect(lines).toHaveLength(1 + 14 + 1);
  });

  it('ls --kind/--ns filter and --json gives objects', () => {
    const r = cli('registry', 'ls', '--home', home, '--ns', 'app.tools', '--json');
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; kind: string; type: string }[];
    expect(rows.map((x) => x.id)).toEqual([
      'app.tools:create_tool', 'app.tools:doc_search', 'app.tools:load_tool', 'app.tools:registry_list', 'app.tools:registry_read',
    ]);
    expect(rows[0]).toEqual({ id: 'app.tools:create_tool', kind: 'function.lua', type: 'tool', title: 'Create tool' });
    const models = JSON.parse(cli('registry', 'ls', '--home', home, '--kind', 'registry.*', '--json').stdout) as { id: string }[];
    expect(models.map((x) => x.id)).toEqual(['app:dev_assistant', 'app:gpt-4.1-nano', 'app:gpt-5.1', 'app:openai']);
  });

  it('show prints the entry as YAML with its resolved Lua source, and --json the exact entry', () => {
    const r = cli('registry', 'show', 'app.tools:registry_read', '--home', home);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^id: app\.tools:registry_read\nkind: function\.lua\n/);
    expect(r.stdout).toContain('llm_alias: registry_read');
    expect(r.stdout).toContain('local registry = require("registry")');
    const j = cli('registry', 'show', 'app:gpt-5.1', '--json', '--home', home);
    const entry = JSON.parse(j.stdout);
    expect(entry.id).toBe('app:gpt-5.1');
    expect(entry.data.pricing).toEqual({ input: 2.5, output: 10 });
    const src = JSON.parse(cli('registry', 'show', 'app.tools:load_tool', '--json', '--home', home).stdout).data.source;
    expect(src).toBe(readFileSync(join(builtinAppDir(), 'tools', 'load_tool.lua'), 'utf8'));
  });

  it('show of an unknown id fails with exit 1 and a one-line message, no stack', () => {
    const r = cli('registry', 'show', 'app:nope', '--home', home);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('micro-agi: no entry "app:nope" at registry version 1\n');
  });

  it('history lists version 0 from the app definition and the stored change with actor and message', () => {
    const base = cli('registry', 'history', 'app:gpt-5.1', '--home', home);
    expect(base.status).toBe(0);
    expect(base.stdout).toMatch(/^VERSION\s+TIME\s+ACTOR\s+CHANGE\s+MESSAGE\n0\s+\S+\s+\S+\s+create\s+-\n$/);
    const gen = JSON.parse(cli('registry', 'history', 'app.generated:shout', '--json', '--home', home).stdout);
    expect(gen).toEqual([
      { version: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), actor: 'service:agent', change: 'create', message: 'make a shouting tool' },
    ]);
    const missing = cli('registry', 'history', 'app.generated:never', '--home', home);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('app.generated:never');
  });
});

describe('micro-agi policy check', () => {
  const matrix: [string, string, string][] = [
    ['registry.create.function.lua', 'app:dev_assistant', 'deny'],
    ['registry.update.registry.entry', 'app:gpt-5.1', 'deny'],
    ['registry.update.function.lua', 'app.tools:create_tool', 'deny'],
    ['registry.create.function.lua', 'app.generated:x', 'undefined'],
    ['funcs.call', 'app.generated:shout', 'undefined'],
  ];
  for (const [action, resource, expected] of matrix) {
    it(`app:agent_security says ${expected} to ${action} on ${resource}`, () => {
      const r = cli('policy', 'check', '--scope', 'app:agent_security', action, resource, '--home', home);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(`${expected}\n`);
    });
  }

  it('an unknown scope is an error naming the group', () => {
    const r = cli('policy', 'check', '--scope', 'app:nobody', 'x', 'app:y', '--home', home);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('app:nobody');
  });

  it('--json gives the decision with its inputs', () => {
    const r = cli('policy', 'check', '--json', '--scope', 'app:agent_security', 'registry.get', 'app:os_env', '--home', home);
    expect(JSON.parse(r.stdout)).toMatchObject({ scope: 'app:agent_security', action: 'registry.get', resource: 'app:os_env', decision: 'deny' });
  });
});

describe('micro-agi tools run', () => {
  it('prints the value as JSON and exits 0; --json wraps it with ok and ms', () => {
    const r = cli('tools', 'run', 'app.generated:shout', '--input', '{"text": "hey"}', '--home', home);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBe('HEY');
    const j = JSON.parse(cli('tools', 'run', 'app.generated:shout', '--input', '{"text": "hey"}', '--json', '--home', home).stdout);
    expect(j).toMatchObject({ ok: true, value: 'HEY', ms: expect.any(Number) });
  });

  it('exits 1 naming the kind when the call fails in its isolate', () => {
    const r = cli('tools', 'run', 'app.generated:shout', '--input', '{"text": {}}', '--home', home);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^micro-agi: app\.generated:shout: RuntimeError: bad argument #1 to 'upper' \(string expected, got table\) \(line 1\)$/m);
  });

  it('exits 1 when the tool reports a failure as its value ({error = ...}), printing the value', () => {
    const r = cli('tools', 'run', 'app.tools:load_tool', '--input', '{"id": "app.generated:shuot"}', '--home', home);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: expect.stringContaining('did you mean app.generated:shout') });
    expect(r.stderr).toContain('micro-agi: app.tools:load_tool returned an error: not found: app.generated:shuot');
  });

  it("refuses input the tool's input_schema refuses (exit 2, naming the field) unless --unchecked", () => {
    const r = cli('tools', 'run', 'app.tools:registry_read', '--input', '{"id": 5}', '--home', home);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('--input does not match the input_schema of app.tools:registry_read: id must be string, got integer 5');
    expect(cli('tools', 'run', 'app.tools:registry_read', '--home', home).stderr).toContain('missing required property "id"');
    // --unchecked: the tool meets the input itself (and reports its own failure)
    const unchecked = cli('tools', 'run', 'app.tools:registry_read', '--input', '{"id": 5}', '--unchecked', '--home', home);
    expect(unchecked.status).toBe(1);
    expect(unchecked.stderr).not.toContain('input_schema');
  });

  it('refuses input that is not JSON and an unknown id', () => {
    const bad = cli('tools', 'run', 'app.generated:shout', '--input', '{text', '--home', home);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--input is not valid JSON');
    const missing = cli('tools', 'run', 'app.generated:nope', '--home', home);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no entry "app.generated:nope"');
  });
});

describe('micro-agi usage and bad input', () => {
  it('no command without a model configured explains the setup, lists commands, exits 2', () => {
    const r = cli();
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('OPENAI_API_KEY');
    expect(r.stderr).toContain('OPENAI_BASE_URL');
    expect(r.stderr).toContain('registry ls');
    expect(r.stderr).toContain('policy check');
  });

  it('unknown commands and flags are usage errors with exit 2', () => {
    const a = cli('frobnicate');
    expect(a.status).toBe(2);
    expect(a.stderr).toContain("unknown command 'frobnicate'");
    const b = cli('registry', 'ls', '--colour');
    expect(b.status).toBe(2);
    expect(b.stderr).toContain('unknown option --colour');
    const c = cli('registry', 'show');
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('missing ID');
    // -p with its value forgotten: the next flag is not taken as the prompt (nor its value as a command).
    const d = cli('-p', '--home', join(scratch, 'never-created'));
    expect(d.status).toBe(2);
    expect(d.stderr).toContain('option --prompt needs a value (PROMPT)');
  });

  it('--help works for the program, a group and every command, on stdout with exit 0', () => {
    for (const args of [['--help'], ['registry', '--help'], ['registry', 'ls', '--help'], ['registry', 'show', '--help'], ['registry', 'history', '--help'], ['policy', 'check', '--help']]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/micro-agi/);
    }
    expect(cli('policy', 'check', '--help').stdout).toContain('--scope GROUP');
  });

  it('a broken --app exits 1 naming file:line and the entry, and creates nothing in --home', () => {
    const fresh = join(scratch, 'never-created');
    const file = join(FIXTURES, 'wrong-type', '_index.yaml');
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('name: typo_tool')) + 1;
    const r = cli('registry', 'ls', '--app', join(FIXTURES, 'wrong-type'), '--home', fresh);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:${line}:`);
    expect(r.stderr).toContain('broken:typo_tool');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(fresh)).toBe(false);
  });

  it('a YAML syntax error in --app reports file:line:col', () => {
    const file = join(FIXTURES, 'syntax-error', '_index.yaml');
    const r = cli('registry', 'ls', '--app', join(FIXTURES, 'syntax-error'), '--home', join(scratch, 'h2'));
    expect(r.status).toBe(1);
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('kind: function.lua: oops')) + 1;
    expect(r.stderr.startsWith(`micro-agi: ${file}:${line}:`)).toBe(true);
    expect(r.stderr).toContain('YAML syntax error');
  });
});
