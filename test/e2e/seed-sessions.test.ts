// The seed's two sessions through the real binary against the fake OpenAI server: "what time is it?"
// (doc_search -> create_tool -> load_tool -> the new tool -> answer) and "fetch URL and show my ip".
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reply } from '../support/fake-openai.js';
import { runCli } from './cli-process.js';
import { useE2eWorkspace } from './e2e-workspace.js';
import { lastToolMessage, timeSessionScript } from './scripts.js';

const ws = useE2eWorkspace();

describe('seed session: what time is it?', () => {
  it('searches the docs, creates, loads and calls current_time_utc, and answers with the time', async () => {
    ws.fake.script(...timeSessionScript());
    const before = Date.now();
    const r = await runCli(['-p', 'what time is it?', '--home', ws.home], ws.env());
    expect(r.stderr).not.toContain('error');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 5)).toEqual([
      '  [doc_search] ok',
      '  [create_tool] ok',
      '  [load_tool] ok',
      '  [+] app.generated:current_time_utc',
      '  [current_time_utc] ok',
    ]);
    const answer = lines.slice(5).join('\n');
    expect(answer).toMatch(/^The time is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ UTC\.\n$/);
    const shown = Date.parse(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/.exec(answer)![0]);
    expect(Math.abs(shown - before)).toBeLessThan(60_000);
    // the model saw the loaded tool offered in the step after load_tool
    const offered = (ws.fake.requests[3]!.body.tools as { function: { name: string } }[]).map((t) => t.function.name);
    expect(offered).toContain('current_time_utc');
    expect(ws.fake.requests[1]!.body.messages.at(-1)).toMatchObject({ role: 'tool' });
  });

  it('--json prints one JSON line per event, ending with the answer and its usage', async () => {
    ws.fake.script(...timeSessionScript());
    const r = await runCli(['-p', 'what time is it?', '--json', '--home', ws.home], ws.env());
    expect(r.status).toBe(0);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    const types = events.map((e) => e.type);
    expect(new Set(types)).toEqual(new Set(['tool_call', 'tool_result', 'tool_loaded', 'chunk', 'answer', 'usage']));
    expect(events.filter((e) => e.type === 'tool_result').map((e) => [e.name, e.ok])).toEqual([
      ['doc_search', true],
      ['create_tool', true],
      ['load_tool', true],
      ['current_time_utc', true],
    ]);
    expect(events.find((e) => e.type === 'tool_loaded')).toMatchObject({ id: 'app.generated:current_time_utc', alias: 'current_time_utc' });
    const answer = events.find((e) => e.type === 'answer') as unknown as { text: string };
    expect(answer.text).toMatch(/^The time is .+ UTC\.$/);
    expect(events.filter((e) => e.type === 'chunk').map((e) => e.content).join('')).toBe(answer.text);
  });
});

describe('seed session: fetch URL and show my ip', () => {
  let server: Server;
  let ipUrl: string;

  beforeEach(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ip: '203.0.113.7', path: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    ipUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ip`;
  });

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const HTTP_GET_SOURCE = [
    'local http_client = require("http_client")',
    'local json = require("json")',
    'local function handler(input)',
    '  local resp, err = http_client.get(input.url)',
    '  if err then return nil, err end',
    '  return { status = resp.status_code, body = json.decode(resp.body) }',
    'end',
    'return { handler = handler }',
  ].join('\n');

  function ipScript() {
    return [
      reply.toolCalls([
        {
          id: 'c1',
          name: 'create_tool',
          args: { name: 'http_get', description: 'GET a URL and decode its JSON body', source: HTTP_GET_SOURCE, modules: ['http_client', 'json'] },
        },
      ]),
      reply.toolCalls([{ id: 'c2', name: 'load_tool', args: { id: 'app.generated:http_get' } }]),
      reply.toolCalls([{ id: 'c3', name: 'http_get', args: { url: ipUrl } }]),
      (req: Parameters<typeof lastToolMessage>[0]) => {
        const result = JSON.parse(lastToolMessage(req)) as { body?: { ip?: string }; error?: unknown };
        return reply.text(result.body?.ip ? `Your IP is ${result.body.ip}.` : `I could not fetch it: ${JSON.stringify(result)}`);
      },
    ];
  }

  it('creates http_get, loads it, fetches the allowed local URL and answers with the ip', async () => {
    ws.fake.script(...ipScript());
    const port = new URL(ipUrl).port;
    const r = await runCli(['-p', `fetch ${ipUrl} and show my ip`, '--home', ws.home], ws.env({ MICRO_AGI_NET_ALLOW: `127.0.0.1:${port}` }));
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      '  [create_tool] ok\n' + '  [load_tool] ok\n' + '  [+] app.generated:http_get\n' + '  [http_get] ok\n' + 'Your IP is 203.0.113.7.\n',
    );
  });

  it('without MICRO_AGI_NET_ALLOW the loopback address is refused and the tool reports the error', async () => {
    ws.fake.script(...ipScript());
    const r = await runCli(['-p', `fetch ${ipUrl} and show my ip`, '--home', ws.home], ws.env());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}\[create_tool\] ok\n {2}\[load_tool\] ok\n {2}\[\+\] app\.generated:http_get\n {2}\[http_get\] error: .*(loopback|not allowed).*\n/);
    expect(r.stdout).toContain('I could not fetch it');
  });
});
