// `micro-agi -p` through the real binary: exit statuses (answer 0, failure 1, no model 2, step limit 3),
// compression triggered by reported usage, and a tool created in one process and used by the next.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reply, startFakeOpenAI, type FakeOpenAI, type RecordedRequest, type Reply } from '../support/fake-openai.js';
import { cliEnv, runCli, startCli } from './cli-process.js';
import { answerFromTimeTool, messageText, TIME_TOOL_SOURCE, timeSessionScript } from './scripts.js';

let fake: FakeOpenAI | undefined;
let scratch: string;
let home: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'micro-agi-e2e-'));
  home = join(scratch, 'home');
});

afterEach(async () => {
  await fake?.close();
  fake = undefined;
  rmSync(scratch, { recursive: true, force: true });
});

function env(f: FakeOpenAI): NodeJS.ProcessEnv {
  return cliEnv({ OPENAI_BASE_URL: f.url, OPENAI_API_KEY: 'test' });
}

describe('no model configured', () => {
  it('prints how to set one up on stderr and exits 2; commands that need no model still work', async () => {
    const noModel = cliEnv({ MICRO_AGI_HOME: home });
    for (const args of [[], ['-p', 'hello']]) {
      const r = await runCli(args, noModel);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('export OPENAI_API_KEY=');
      expect(r.stderr).toContain('OPENAI_BASE_URL=http://127.0.0.1:11434/v1');
      expect(r.stderr).toContain('--model');
      expect(r.stderr).toContain('OPENAI_BASE_URL=http://127.0.0.1:8080/v1');
    }
    const ls = await runCli(['registry', 'ls', '--ns', 'app.tools', '--json'], noModel);
    expect(ls.status).toBe(0);
    expect((JSON.parse(ls.stdout) as { id: string }[]).map((e) => e.id)).toContain('app.tools:create_tool');
  });
});

describe('exit status', () => {
  it('is 1 when the model call fails, with the error on stderr and nothing on stdout', async () => {
    fake = await startFakeOpenAI({ fallback: reply.error(400, 'this request was rejected by the fake server') });
    const r = await runCli(['-p', 'hello', '--home', home], env(fake));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('this request was rejected by the fake server');
  });

  it('is 1 when SIGINT cancels the turn mid-stream', async () => {
    fake = await startFakeOpenAI();
    fake.script({ type: 'chat', steps: [{ type: 'text', text: 'Partial' }, { type: 'emit', name: 'streaming' }, { type: 'hang' }] });
    const c = startCli(['-p', 'a long answer please', '--home', home], env(fake));
    c.end(); // nothing piped in
    await fake.reached('streaming');
    await c.waitFor('Partial');
    c.child.kill('SIGINT');
    const r = await c.exited;
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('Partial\n');
    expect(r.stderr).toContain('(turn canceled)');
    expect(fake.requests[0]!.closedByClient).toBe(true);
  });

  it('--model picks the model the requests name', async () => {
    fake = await startFakeOpenAI({ fallback: reply.text('small model here') });
    const r = await runCli(['-p', 'hello', '--home', home, '--model', 'gpt-4.1-nano'], env(fake));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('small model here\n');
    expect(fake.requests.map((q) => q.body.model)).toEqual(['gpt-4.1-nano']);
  });

  it('--model with a name no model entry has (an Ollama model) is sent as-is to the configured provider', async () => {
    fake = await startFakeOpenAI({ fallback: reply.text('local model here') });
    const r = await runCli(['-p', 'hello', '--home', home, '--model', 'llama3.1:8b'], env(fake));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('local model here\n');
    expect(fake.requests.map((q) => q.body.model)).toEqual(['llama3.1:8b']);
    // a plain chat model: none of the configured model's reasoning options
    expect(fake.requests[0]!.body).not.toHaveProperty('reasoning_effort');
  });

  it('is 3 when the step limit ends the turn before an answer', async () => {
    let n = 0;
    fake = await startFakeOpenAI({ fallback: () => reply.toolCalls([{ id: `c${++n}`, name: 'registry_list', args: { namespace: 'app.tools' } }]) });
    const r = await runCli(['-p', 'loop forever', '--home', home], env(fake));
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('step limit');
    const lines = r.stdout.trimEnd().split('\n');
    const toolLines = lines.filter((l) => l.startsWith('  ['));
    expect(new Set(toolLines)).toEqual(new Set(['  [registry_list] ok']));
    expect(toolLines).toHaveLength(fake.requests.length);
    expect(lines.slice(0, toolLines.length)).toEqual(toolLines);
  });
});

describe('compression', () => {
  it('when the reported prompt passes 75% of the window the conversation is summarised and the next request starts from the summary', async () => {
    const longPrompt = `Summarise this build log:\n${Array.from({ length: 300 }, (_, i) => `line ${i}: compiled module_${i}.ts in ${i} ms`).join('\n')}`;
    const main: Reply[] = [
      reply.toolCalls([{ id: 'c1', name: 'registry_list', args: { namespace: 'app.tools' } }], { usage: { prompt: 100_000, completion: 20 } }),
      reply.text('The build compiled 300 modules.', { usage: { prompt: 900, completion: 8 } }),
    ];
    const summaries: RecordedRequest[] = [];
    fake = await startFakeOpenAI({
      fallback: (req) => {
        if (req.body.model === 'gpt-4.1-nano') {
          summaries.push(req);
          return reply.text('The user asked for a summary of a build log of 300 compiled modules.', { usage: { prompt: 3000, completion: 20 } });
        }
        return main.shift() ?? reply.error(500, 'unexpected main request');
      },
    });
    const r = await runCli(['-p', longPrompt, '--json', '--home', home], env(fake));
    expect(r.status).toBe(0);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    const compressed = events.find((e) => e.type === 'compressed');
    expect(compressed).toMatchObject({ type: 'compressed', prompt_tokens: 100_000 });
    expect(compressed!.before_chars as number).toBeGreaterThan(longPrompt.length);
    expect(compressed!.after_chars as number).toBeLessThan(compressed!.before_chars as number);
    expect(events.at(-1)?.type === 'usage' || events.at(-1)?.type === 'answer').toBe(true);
    expect(events.find((e) => e.type === 'answer')).toMatchObject({ text: 'The build compiled 300 modules.' });
    expect(summaries.length).toBeGreaterThan(0);
    // the request after compression carries the summary instead of the long conversation
    const mainRequests = fake.requests.filter((q) => q.body.model !== 'gpt-4.1-nano');
    const after = mainRequests.at(-1)!.body.messages as { role: string; content: unknown }[];
    const texts = after.map((m) => messageText(m));
    const summaryAt = texts.findIndex((t) => t.startsWith('Conversation summary:'));
    expect(summaryAt).toBeGreaterThanOrEqual(0);
    expect(after.slice(0, summaryAt).every((m) => m.role === 'system')).toBe(true);
    expect(texts[summaryAt]).toContain('300 compiled modules');
    expect(texts.join('\n')).not.toContain('line 299: compiled');
  });
});

describe('a tool outlives its process', () => {
  it('the second run loads app.generated:current_time_utc created by the first, without creating it', async () => {
    fake = await startFakeOpenAI();
    fake.script(
      reply.toolCalls([
        { id: 'c1', name: 'create_tool', args: { name: 'current_time_utc', description: 'Current UTC time in RFC3339', source: TIME_TOOL_SOURCE, modules: ['time'] } },
      ]),
      reply.text('Created.'),
    );
    const first = await runCli(['-p', 'build a clock tool', '--home', home], env(fake));
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('  [create_tool] ok\nCreated.\n');

    const before = fake.requests.length;
    fake.script(
      reply.toolCalls([{ id: 'c1', name: 'load_tool', args: { id: 'app.generated:current_time_utc' } }]),
      reply.toolCalls([{ id: 'c2', name: 'current_time_utc', args: {} }]),
      answerFromTimeTool,
    );
    const started = Date.now();
    const second = await runCli(['-p', 'what time is it?', '--home', home], env(fake));
    expect(second.status).toBe(0);
    const lines = second.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['  [load_tool] ok', '  [+] app.generated:current_time_utc', '  [current_time_utc] ok']);
    const utc = /The time is (\S+) UTC\./.exec(lines[3]!)![1]!;
    expect(Math.abs(Date.parse(utc) - started)).toBeLessThan(60_000);
    expect(second.stdout).not.toContain('create_tool');
    // the new process told the model about the stored tool up front
    const system = (fake.requests[before]!.body.messages as { role: string; content: unknown }[])
      .filter((m) => m.role === 'system')
      .map((m) => messageText(m))
      .join('\n');
    expect(system).toContain('current_time_utc');
  });
});

describe('piped input', () => {
  const userText = (req: RecordedRequest): string =>
    messageText(((req.body?.messages ?? []) as { role: string; content?: unknown }[]).filter((m) => m.role === 'user').at(-1));

  it('follows the -p prompt after a blank line; -p - makes all of it the prompt; nothing piped to -p - is refused', async () => {
    fake = await startFakeOpenAI({ fallback: reply.text('noted') });
    const log = 'TypeError: x is undefined\n    at main (a.js:3)\n';
    const withPrompt = startCli(['-p', 'why does this fail?', '--home', home], env(fake));
    withPrompt.child.stdin.end(log);
    expect((await withPrompt.exited).status).toBe(0);
    expect(userText(fake.requests[0]!)).toBe(`why does this fail?\n\n${log}`);

    const whole = startCli(['-p', '-', '--home', home], env(fake));
    whole.child.stdin.end('what time is it?\n');
    const r = await whole.exited;
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('noted');
    expect(userText(fake.requests[1]!)).toBe('what time is it?\n');

    const empty = await runCli(['-p', '-', '--home', home], env(fake));
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('-p - found nothing on standard input');
    expect(fake.requests).toHaveLength(2);
  });
});

describe('--continue', () => {
  const userAndAssistant = (req: RecordedRequest): string[][] =>
    ((req.body?.messages ?? []) as { role: string; content?: unknown }[]).filter((m) => m.role !== 'system').map((m) => [m.role, messageText(m)]);

  it('-c -p goes on with the conversation the last run saved (owner-only) and its model, and keeps saving into it', async () => {
    fake = await startFakeOpenAI();
    fake.script(reply.text('Paris.'), reply.text('About 2.1 million.'));
    const first = await runCli(['-p', 'capital of France?', '--home', home, '--model', 'gpt-4.1-nano'], env(fake));
    expect(first.status).toBe(0);
    const files = readdirSync(join(home, 'sessions'));
    expect(files).toHaveLength(1);
    expect(statSync(join(home, 'sessions', files[0]!)).mode & 0o777).toBe(0o600);

    const second = await runCli(['-c', '-p', 'and its population?', '--home', home], env(fake));
    expect(second.status).toBe(0);
    expect(fake.requests[1]!.body.model).toBe('gpt-4.1-nano'); // the model the conversation last used
    expect(second.stdout).toBe('About 2.1 million.\n');
    expect(userAndAssistant(fake.requests[1]!)).toEqual([
      ['user', 'capital of France?'],
      ['assistant', 'Paris.'],
      ['user', 'and its population?'],
    ]);
    expect(readdirSync(join(home, 'sessions'))).toEqual(files);
    const saved = JSON.parse(readFileSync(join(home, 'sessions', files[0]!), 'utf8')) as { messages: unknown[] };
    expect(saved.messages).toHaveLength(4);
  });

  it('micro-agi sessions lists the saved conversations; --resume ID goes on with an older one', async () => {
    fake = await startFakeOpenAI();
    fake.script(reply.text('Paris.'), reply.text('Berlin.'), reply.text('About 2.1 million.'));
    expect((await runCli(['-p', 'capital of France?', '--home', home], env(fake))).status).toBe(0);
    expect((await runCli(['-p', 'capital of Germany?', '--home', home], env(fake))).status).toBe(0);
    const listed = await runCli(['sessions', '--json', '--home', home], env(fake));
    expect(listed.status).toBe(0);
    const rows = JSON.parse(listed.stdout) as { id: string; questions: number; first: string }[];
    expect(rows.map((r) => [r.first, r.questions])).toEqual([
      ['capital of Germany?', 1],
      ['capital of France?', 1],
    ]);
    const table = await runCli(['sessions', '--home', home], env(fake));
    expect(table.stdout).toContain(rows[1]!.id);

    const older = await runCli(['--resume', rows[1]!.id.slice(0, 30), '-p', 'and its population?', '--home', home], env(fake));
    expect(older.status).toBe(0);
    expect(userAndAssistant(fake.requests[2]!).map(([, text]) => text)).toEqual(['capital of France?', 'Paris.', 'and its population?']);
    const unknown = await runCli(['--resume', 'no-such-id', '-p', 'x', '--home', home], env(fake));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("no saved conversation 'no-such-id'");
  });

  it('a continued conversation offers again the tools it had loaded', async () => {
    fake = await startFakeOpenAI();
    fake.script(...timeSessionScript(), reply.text('Still here.'));
    expect((await runCli(['-p', 'what time is it?', '--home', home], env(fake))).status).toBe(0);
    const again = await runCli(['-c', '-p', 'anything else?', '--home', home, '--model', 'gpt-4.1-nano'], env(fake));
    expect(again.status).toBe(0);
    expect(fake.requests.at(-1)!.body.model).toBe('gpt-4.1-nano');
    const offered = (fake.requests.at(-1)!.body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(offered).toContain('current_time_utc');
  });

  it('says so when there is nothing to continue or the saved file is damaged; MICRO_AGI_SAVE_SESSIONS=0 saves nothing', async () => {
    fake = await startFakeOpenAI({ fallback: reply.text('ok') });
    const none = await runCli(['-c', '-p', 'go on', '--home', home], env(fake));
    expect(none.status).toBe(2);
    expect(none.stderr).toContain(`no earlier conversation to continue in ${join(home, 'sessions')}`);

    const off = await runCli(['-p', 'hello', '--home', home], { ...env(fake), MICRO_AGI_SAVE_SESSIONS: '0' });
    expect(off.status).toBe(0);
    expect(existsSync(join(home, 'sessions')) ? readdirSync(join(home, 'sessions')) : []).toEqual([]);

    await runCli(['-p', 'hello', '--home', home], env(fake));
    const [file] = readdirSync(join(home, 'sessions'));
    writeFileSync(join(home, 'sessions', file!), '{"version": 1, "messages": "not a list"');
    const damaged = await runCli(['-c', '-p', 'go on', '--home', home], env(fake));
    expect(damaged.status).not.toBe(0);
    expect(damaged.stderr).toContain(`cannot continue the conversation in ${join(home, 'sessions', file!)}`);
    expect(fake.requests).toHaveLength(2);
  });
});
