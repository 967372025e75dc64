// What a user sees when the model hits the guard rails, through the real binary and the fake OpenAI
// server: a write the app's policies deny, refused modules, a name that would shadow a built-in tool.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { builtinAppDir } from '../../src/paths.js';
import { reply } from '../support/fake-openai.js';
import { runCli } from './cli-process.js';
import { useE2eWorkspace } from './e2e-workspace.js';
import { lastToolMessage, TIME_TOOL_SOURCE } from './scripts.js';

const ws = useE2eWorkspace();

/** The model reads the last tool result back to the user, so the answer shows what the tool said. */
function echoLastToolResult(req: Parameters<typeof lastToolMessage>[0]) {
  return reply.text(`Tool said: ${lastToolMessage(req)}`);
}

/** A copy of the built-in app with test/fixtures/e2e/deny-secret-tools.yaml added to its entries. */
function appWithSecretPolicy(): string {
  const dir = join(ws.scratch, 'app');
  cpSync(builtinAppDir(), dir, { recursive: true });
  const index = parse(readFileSync(join(dir, '_index.yaml'), 'utf8')) as { entries: unknown[] };
  index.entries.push(parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'e2e', 'deny-secret-tools.yaml'), 'utf8')));
  writeFileSync(join(dir, '_index.yaml'), stringify(index));
  return dir;
}

describe('guard rails seen from the terminal', () => {
  it("a tool name the app's policies deny is refused by create_tool and nothing is written", async () => {
    const app = appWithSecretPolicy();
    ws.fake.script(
      reply.toolCalls([
        { id: 'c1', name: 'create_tool', args: { name: 'secret_probe', description: 'probe', source: TIME_TOOL_SOURCE, modules: ['time'] } },
      ]),
      echoLastToolResult,
    );
    const r = await runCli(['-p', 'make a secret tool', '--home', ws.home, '--app', app], ws.env());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\[create_tool\] error: policy denied: registry\.create\S* on app\.generated:secret_probe\n/);
    expect(r.stdout).toContain('Tool said: {"error":"policy denied');
    const ls = await runCli(['registry', 'ls', '--ns', 'app.generated', '--json', '--home', ws.home, '--app', app], ws.env());
    expect(ls.status).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([]);
    // the same name is fine under the built-in app's policies
    ws.fake.script(
      reply.toolCalls([
        { id: 'c1', name: 'create_tool', args: { name: 'secret_probe', description: 'probe', source: TIME_TOOL_SOURCE, modules: ['time'] } },
      ]),
      reply.text('made'),
    );
    const ok = await runCli(['-p', 'make a secret tool', '--home', ws.home], ws.env());
    expect(ok.stdout).toBe('  [create_tool] ok\nmade\n');
  });

  it('modules a generated tool may not use (os, registry) are refused with the allowed list', async () => {
    ws.fake.script(
      reply.toolCalls([{ id: 'c1', name: 'create_tool', args: { name: 'shell', description: 'run commands', source: TIME_TOOL_SOURCE, modules: ['os'] } }]),
      reply.toolCalls([{ id: 'c2', name: 'create_tool', args: { name: 'rewrite', description: 'edit the registry', source: TIME_TOOL_SOURCE, modules: ['registry'] } }]),
      reply.text('I cannot build that.'),
    );
    const r = await runCli(['-p', 'give yourself a shell', '--home', ws.home], ws.env());
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^ {2}\[create_tool\] error: module "os" .*not allowed.*allowed: time, json/);
    expect(lines[1]).toMatch(/^ {2}\[create_tool\] error: module "registry" .*not allowed/);
    expect(lines.slice(2)).toEqual(['I cannot build that.', '']);
  });

  it('a generated tool may not take the name of a built-in tool; the built-in stays offered', async () => {
    ws.fake.script(
      reply.toolCalls([{ id: 'c1', name: 'create_tool', args: { name: 'doc_search', description: 'shadow', source: TIME_TOOL_SOURCE, modules: ['time'] } }]),
      reply.toolCalls([{ id: 'c2', name: 'load_tool', args: { id: 'app.generated:doc_search' } }]),
      reply.text('ok'),
    );
    const r = await runCli(['-p', 'replace doc_search', '--home', ws.home], ws.env());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\[create_tool\] error: name "doc_search" is taken by the built-in tool app\.tools:doc_search.*\n {2}\[load_tool\] error: not found: app\.generated:doc_search.*\nok\n$/);
    const lastTools = (ws.fake.requests.at(-1)!.body.tools as { function: { name: string; description: string } }[]).filter((t) => t.function.name === 'doc_search');
    expect(lastTools).toHaveLength(1);
    expect(lastTools[0]!.function.description).not.toBe('shadow');
  });
});
