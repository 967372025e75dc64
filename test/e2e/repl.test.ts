// The interactive terminal through the real binary with piped stdin/stdout: banner and prompt, a turn,
// /tools /cost /reset /help, quit and Ctrl-D, and Ctrl-C (SIGINT) canceling a streaming turn.
import { describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.js';
import { startCli } from './cli-process.js';
import { useE2eWorkspace } from './e2e-workspace.js';
import { messageText } from './scripts.js';

const BANNER = 'dev assistant (quit to exit)\n\n> ';

/** Prompts are counted as "\n> " (a tool description may contain "> "). */

const ws = useE2eWorkspace();

function repl() {
  return startCli(['--home', ws.home], ws.env());
}

describe('the REPL', () => {
  it('shows the banner and prompt, answers a turn, runs the slash commands and says Bye! on quit', async () => {
    ws.fake.script(
      reply.toolCalls([{ id: 'c1', name: 'registry_list', args: { namespace: 'app.tools' } }], { usage: { prompt: 1000, completion: 10 } }),
      reply.text('There are **five** tools.', { usage: { prompt: 1200, completion: 6 } }),
      reply.text('Fresh start.'),
    );
    const c = repl();
    await c.waitFor(BANNER);
    expect(c.stdout()).toBe(BANNER);

    c.line('how many tools do you have?');
    await c.waitFor('\n> ', { times: 2 });
    expect(c.stdout()).toBe(`${BANNER}  [registry_list] ok\nThere are **five** tools.\n> `);

    c.line('/tools');
    await c.waitFor('\n> ', { times: 3 });
    for (const name of ['create_tool', 'doc_search', 'load_tool', 'registry_list', 'registry_read']) expect(c.stdout()).toContain(`  ${name} (app.tools:${name})`);

    c.line('/cost');
    await c.waitFor('\n> ', { times: 4 });
    expect(c.stdout()).toContain('2 model calls; tokens: 2200 prompt (0 cached), 16 completion (0 reasoning), 2216 total');
    expect(c.stdout()).toMatch(/cost: \$0\.00\d+/);

    c.line('/model');
    await c.waitFor('\n> ', { times: 5 });
    expect(c.stdout()).toContain(`model: ${String(ws.fake.requests[0]!.body.model)} (agent app:dev_assistant)\n`);
    c.line('/model class:no-such-class');
    await c.waitFor('\n> ', { times: 6 });
    expect(c.stdout()).toMatch(/model not changed: .*no-such-class/);
    c.line('/model gpt-5.1');
    await c.waitFor('\n> ', { times: 7 });
    expect(c.stdout()).toContain('model: gpt-5.1 (agent app:dev_assistant) from the next question on\n');

    c.line('/reset');
    await c.waitFor('\n> ', { times: 8 });
    c.line('hello again');
    await c.waitFor('Fresh start.\n> ');
    expect(ws.fake.requests.at(-1)!.body.model).toBe('gpt-5.1');
    // after /reset the model no longer sees the first exchange
    const last = ws.fake.requests.at(-1)!.body.messages as { role: string; content: unknown }[];
    expect(last.filter((m) => m.role !== 'system').map((m) => messageText(m))).toEqual(['hello again']);

    c.line('/help');
    await c.waitFor('/cost');
    c.line('quit');
    const r = await c.exited;
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('> \nBye!\n')).toBe(true);
  });

  it('-c says which conversation goes on and sends it with the next question', async () => {
    ws.fake.script(reply.text('Paris.'), reply.text('About 2.1 million.'));
    const first = repl();
    await first.waitFor(BANNER);
    first.line('capital of France?');
    await first.waitFor('Paris.');
    first.line('quit');
    expect((await first.exited).status).toBe(0);

    const c = startCli(['-c', '--home', ws.home], ws.env());
    await c.waitFor('(continuing the conversation of ');
    expect(c.stdout()).toMatch(/^dev assistant \(quit to exit\)\n\(continuing the conversation of \d{4}-\d\d-\d\d \d\d:\d\d: 1 question, gpt-5\.1\)\n/);
    c.line('and its population?');
    await c.waitFor('About 2.1 million.');
    const sent = (ws.fake.requests[1]!.body.messages as { role: string; content: unknown }[]).filter((m) => m.role !== 'system');
    expect(sent.map((m) => messageText(m))).toEqual(['capital of France?', 'Paris.', 'and its population?']);
    c.line('quit');
    expect((await c.exited).status).toBe(0);
  });

  it('Ctrl-D (end of input) leaves with Bye!', async () => {
    const c = repl();
    await c.waitFor(BANNER);
    c.end();
    const r = await c.exited;
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${BANNER}\nBye!\n`);
    expect(ws.fake.requests).toHaveLength(0);
  });

  it('Ctrl-C cancels a streaming answer, keeps the session, and the next prompt is answered', async () => {
    ws.fake.script(
      { type: 'chat', steps: [{ type: 'text', text: 'Once upon a time' }, { type: 'emit', name: 'streaming' }, { type: 'hang' }] },
      reply.text('Second answer.'),
    );
    const c = repl();
    await c.waitFor(BANNER);
    c.line('tell me a very long story');
    await ws.fake.reached('streaming');
    await c.waitFor('Once upon a time');
    c.child.kill('SIGINT');
    await c.waitFor('(turn canceled)', { stream: 'stderr' });
    await c.waitFor('\n> ', { times: 2 });
    await ws.fake.requests[0]!.done;
    expect(ws.fake.requests[0]!.closedByClient).toBe(true);

    c.line('and now?');
    await c.waitFor('Second answer.\n> ');
    // the canceled turn's partial answer is not replayed to the model as if it had been said
    const second = ws.fake.requests[1]!.body.messages as { role: string; content: unknown }[];
    expect(second.at(-1)).toMatchObject({ role: 'user' });
    expect(messageText(second.at(-1)).endsWith('and now?')).toBe(true);
    expect(second.some((m) => m.role === 'assistant' && messageText(m).includes('Once upon a time'))).toBe(false);
    c.line('exit');
    const r = await c.exited;
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`${BANNER}Once upon a time\n> Second answer.\n> \nBye!\n`);
  });

  it('Ctrl-C at an idle prompt warns once and leaves on the second press', async () => {
    const c = repl();
    await c.waitFor(BANNER);
    c.child.kill('SIGINT');
    await c.waitFor('press Ctrl-C again');
    await c.waitFor('\n> ', { times: 2 });
    c.child.kill('SIGINT');
    const r = await c.exited;
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('Bye!\n')).toBe(true);
    expect(ws.fake.requests).toHaveLength(0);
  });
});
