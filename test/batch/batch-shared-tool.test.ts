// Two batch sessions creating the same tool at once through the one shared registry: both results are
// clear (created/updated, or a conflict error naming the entry), and the registry ends with one entry
// whose history holds exactly the successful writes, the last of which is the entry's current content.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { BatchResult } from '../../src/batch/batch-result.js';
import { parseArgv } from '../../src/cli/argv.js';
import { BATCH_FLAGS, runBatchCommand } from '../../src/cli/batch-command.js';
import { GLOBAL_FLAGS } from '../../src/cli/command-spec.js';
import { openSession } from '../../src/cli/bootstrap.js';
import { reply, type RecordedRequest, type Reply } from '../support/fake-openai.js';
import { lastMessage, memoryIO, parseJsonl, promptOf, scratchWithFake, writeJsonl } from './batch-fake.js';

const TOOL_ID = 'app.generated:shared_counter';

function source(who: string): string {
  return `local function handler(input)\n  return { by = "${who}" }\nend\nreturn { handler = handler }\n`;
}

/** First step: create_tool with this session's source; second step: answer with the tool result. */
function model(req: RecordedRequest): Reply {
  const who = promptOf(req).replace('create the counter as ', '');
  const last = lastMessage(req);
  if (last.role === 'tool') return reply.text(`create_tool said: ${last.text}`);
  return reply.toolCalls([
    {
      id: `call_${who}`,
      name: 'create_tool',
      args: { name: 'shared_counter', description: `a counter written by ${who}`, source: source(who), tests: [{ input: {}, expect: { by: who } }] },
    },
  ]);
}

const ws = scratchWithFake(model);

interface CreateResult {
  created?: boolean;
  updated?: boolean;
  id?: string;
  version?: number;
  error?: string;
}

it('two sessions creating one tool at once both get a clear result and the registry holds one consistent entry', async () => {
  const home = join(ws.scratch, 'home');
  const input = join(ws.scratch, 'in.jsonl');
  writeJsonl(input, [{ id: 'A', prompt: 'create the counter as A' }, { id: 'B', prompt: 'create the counter as B' }]);
  const io = memoryIO({ OPENAI_BASE_URL: ws.fake.url, OPENAI_API_KEY: 'test' });
  const status = await runBatchCommand(parseArgv([input, '--concurrency', '2', '--home', home], { ...GLOBAL_FLAGS, ...BATCH_FLAGS }), io, {
    isTTY: false,
    signal: new AbortController().signal,
  });
  expect(status).toBe(0);
  const results = parseJsonl<BatchResult>(io.stdout());
  expect(results.map((r) => r.id).sort()).toEqual(['A', 'B']);

  // What create_tool returned to each session (the tool message of its second request).
  const toolResults = new Map<string, CreateResult>();
  for (const req of ws.fake.requests) {
    const last = lastMessage(req);
    if (last.role === 'tool') toolResults.set(promptOf(req).slice(-1), JSON.parse(last.text) as CreateResult);
  }
  expect([...toolResults.keys()].sort()).toEqual(['A', 'B']);

  const session = await openSession({ home, env: {} });
  try {
    const history = session.registry.history(TOOL_ID);
    const writes = [...toolResults.entries()].filter(([, r]) => r.error === undefined);
    const refused = [...toolResults.entries()].filter(([, r]) => r.error !== undefined);
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length + refused.length).toBe(2);
    for (const [, r] of refused) expect(r.error).toMatch(new RegExp(`cannot write ${TOOL_ID}: .*${TOOL_ID}.* was changed in version \\d+`));
    // The history holds exactly the successful writes, in version order: one create, then updates.
    const written = writes.map(([who, r]) => ({ who, ...r })).sort((a, b) => a.version! - b.version!);
    expect(history.map((h) => h.version)).toEqual(written.map((w) => w.version));
    expect(history.map((h) => h.change)).toEqual(written.map((_, i) => (i === 0 ? 'create' : 'update')));
    expect(written.map((w) => [w.id, w.created, w.updated])).toEqual(written.map((_, i) => [TOOL_ID, i === 0, i > 0]));
    // Each history record is what that session wrote, and the entry now is the last write.
    history.forEach((h, i) => expect((h.entry?.data as { source?: string }).source).toBe(source(written[i]!.who)));
    const entry = session.registry.current().get(TOOL_ID);
    expect((entry?.data as { source?: string }).source).toBe(source(written[written.length - 1]!.who));
    expect(session.registry.current().find({ ns: 'app.generated', name: 'shared_counter' })).toHaveLength(1);

    // The batch results agree: both called create_tool, only writers list the tool as created.
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.tools_called).toEqual(['create_tool']);
      expect(r.tools_created).toEqual(toolResults.get(String(r.id))!.error === undefined ? [TOOL_ID] : []);
      expect(r.answer).toContain('create_tool said:');
    }
  } finally {
    await session.close();
  }
});
