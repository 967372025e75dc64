// The seed's transcript rendered from AgentEvents (tool lines, [+] lines, the streamed answer, notes on
// stderr) and the --json view (one line per shown event type, nothing else on stdout).
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { JsonTranscript, TextTranscript, type Transcript } from '../../src/cli/transcript.js';

function capture(make: (io: { out: (t: string) => void; err: (t: string) => void }) => Transcript, events: AgentEvent[]) {
  let out = '';
  let err = '';
  const t = make({ out: (s) => (out += s), err: (s) => (err += s) });
  for (const e of events) t.handle(e);
  t.endTurn();
  return { out, err };
}

const tokens = { prompt: 10, completion: 5, cached: 0, reasoning: 0, total: 15 };

const SESSION: AgentEvent[] = [
  { type: 'tool_call', turn: 1, id: 'c1', name: 'doc_search', arguments: { query: 'time' } },
  { type: 'tool_result', turn: 1, id: 'c1', name: 'doc_search', ok: true, result: { results: [] } },
  { type: 'tool_call', turn: 1, id: 'c2', name: 'create_tool', arguments: {} },
  { type: 'tool_result', turn: 1, id: 'c2', name: 'create_tool', ok: false, error: { type: 'invalid_input', message: 'module not allowed:\n os' } },
  { type: 'tool_result', turn: 1, id: 'c3', name: 'load_tool', ok: true, result: { loaded: true } },
  { type: 'tool_loaded', turn: 1, id: 'app.generated:current_time_utc', alias: 'current_time_utc' },
  { type: 'usage', turn: 1, tokens, cost: 0.001, session_cost: 0.001 },
  { type: 'chunk', turn: 1, content: 'It is ' },
  { type: 'chunk', turn: 1, content: '**noon**.' },
  { type: 'answer', turn: 1, text: 'It is **noon**.' },
  { type: 'turn_end', turn: 1, status: 'answered', steps: 3 },
];

describe('text transcript', () => {
  it('prints the seed lines then the answer and a newline (plain when piped)', () => {
    const { out, err } = capture((io) => new TextTranscript(io, { isTTY: false }), SESSION);
    expect(out).toBe(
      '  [doc_search] ok\n' +
        '  [create_tool] error: module not allowed: os\n' +
        '  [load_tool] ok\n' +
        '  [+] app.generated:current_time_utc\n' +
        'It is **noon**.\n',
    );
    expect(err).toBe('');
  });

  it('breaks a streamed line before a tool line and renders markdown on a TTY', () => {
    const { out } = capture((io) => new TextTranscript(io, { isTTY: true }), [
      { type: 'chunk', turn: 1, content: 'Let me **check**' },
      { type: 'tool_result', turn: 1, id: 'c1', name: 'doc_search', ok: true },
      { type: 'chunk', turn: 1, content: 'Done.' },
      { type: 'answer', turn: 1, text: 'Let me **check**Done.' },
    ]);
    expect(out).toBe('Let me \x1b[1mcheck\x1b[22m\n  [doc_search] ok\nDone.\n');
  });

  it('on a terminal, says dimly what each tool that answered ok was asked; piped, the seed lines exactly', () => {
    const events: AgentEvent[] = [
      { type: 'tool_call', turn: 1, id: 'c1', name: 'doc_search', arguments: { query: 'format current time' } },
      { type: 'tool_result', turn: 1, id: 'c1', name: 'doc_search', ok: true, result: {} },
      {
        type: 'tool_call',
        turn: 1,
        id: 'c2',
        name: 'create_tool',
        arguments: { name: 'current_time_utc', description: 'Current UTC time in RFC3339 format, with the offset', source: 'local a\nreturn a', modules: ['time'], trusted: false },
      },
      { type: 'tool_result', turn: 1, id: 'c2', name: 'create_tool', ok: true, result: {} },
      { type: 'tool_call', turn: 1, id: 'c3', name: 'current_time_utc', arguments: {} },
      { type: 'tool_result', turn: 1, id: 'c3', name: 'current_time_utc', ok: false, error: { type: 'runtime', message: 'boom' } },
    ];
    const tty = capture((io) => new TextTranscript(io, { isTTY: true }), events);
    expect(tty.out).toBe(
      '  [doc_search] ok \x1b[2mquery="format current time"\x1b[22m\n' +
        '  [create_tool] ok \x1b[2mname="current_time_utc" description="Current UTC time in RFC3339 format, wit…" trusted=false\x1b[22m\n' +
        '  [current_time_utc] error: boom\n',
    );
    const piped = capture((io) => new TextTranscript(io, { isTTY: false }), events);
    expect(piped.out).toBe('  [doc_search] ok\n  [create_tool] ok\n  [current_time_utc] error: boom\n');
  });

  it('prints an answer that was not streamed, and notes on stderr', () => {
    const { out, err } = capture((io) => new TextTranscript(io, { isTTY: false }), [
      { type: 'compressed', turn: 2, before_chars: 9000, after_chars: 300, prompt_tokens: 100000 },
      { type: 'answer', turn: 2, text: 'Short.' },
      { type: 'error', turn: 2, error: { type: 'llm', message: 'rate limited' } },
      { type: 'turn_end', turn: 2, status: 'step_limit', steps: 16 },
    ]);
    expect(out).toBe('Short.\n');
    expect(err).toContain('[compressed] context 9000 -> 300 characters');
    expect(err).toContain('error: rate limited\n');
    expect(err).toContain('step limit was reached after 16 steps');
  });

  it('on a terminal, notes once per stretch of reasoning that the model is thinking; piped, says nothing', () => {
    const events: AgentEvent[] = [
      { type: 'thinking', turn: 1, content: 'Let me ' },
      { type: 'thinking', turn: 1, content: 'think.' },
      { type: 'tool_result', turn: 1, id: 'a', name: 'doc_search', ok: true, result: {} },
      { type: 'thinking', turn: 1, content: 'Now answer.' },
      { type: 'chunk', turn: 1, content: 'Done.' },
      { type: 'answer', turn: 1, text: 'Done.' },
      { type: 'turn_end', turn: 1, status: 'answered', steps: 2 },
    ];
    const tty = capture((io) => new TextTranscript(io, { isTTY: true }), events);
    expect(tty.err.match(/\(thinking\.\.\.\)/g)).toHaveLength(2);
    expect(tty.out).toBe('  [doc_search] ok\nDone.\n');
    const piped = capture((io) => new TextTranscript(io, { isTTY: false }), events);
    expect(piped.err).toBe('');
    expect(piped.out).toBe('  [doc_search] ok\nDone.\n');
  });

  it('notes on stderr that an answer was cut off at the token limit', () => {
    const { out, err } = capture((io) => new TextTranscript(io, { isTTY: false }), [
      { type: 'answer', turn: 1, text: 'Half an ans', truncated: true },
      { type: 'turn_end', turn: 1, status: 'answered', steps: 1 },
    ]);
    expect(out).toBe('Half an ans\n');
    expect(err).toContain("(the answer was cut off at the model's output token limit)\n");
  });

  it('says when the prompt size was estimated and when the model refused the prompt as too long', () => {
    const { err } = capture((io) => new TextTranscript(io, { isTTY: false }), [
      { type: 'compressed', turn: 1, before_chars: 9000, after_chars: 300, prompt_tokens: 2500, estimated: true },
      { type: 'compressed', turn: 1, before_chars: 8000, after_chars: 200, prompt_tokens: 31000, estimated: true, reason: 'overflow' },
    ]);
    expect(err).toContain('[compressed] context 9000 -> 300 characters (prompt was about 2500 tokens)\n');
    expect(err).toContain('[compressed] context 8000 -> 200 characters (prompt was about 31000 tokens; the model refused it as too long, retrying)\n');
  });

  it('shows a tool that returned {error: ...} (marked failed by the agent) as an error line', () => {
    const { out } = capture((io) => new TextTranscript(io, { isTTY: false }), [
      {
        type: 'tool_result', turn: 1, id: 'a', name: 'create_tool', ok: false,
        result: { error: 'policy denied: registry.create.function.lua on app.generated:x' },
        error: { type: 'tool_error', message: 'policy denied: registry.create.function.lua on app.generated:x' },
      },
      { type: 'tool_result', turn: 1, id: 'b', name: 'load_tool', ok: false, error: { type: 'tool_error', message: 'not found: app.generated:y' } },
      { type: 'tool_result', turn: 1, id: 'c', name: 'registry_read', ok: true, result: { error: null, entry: {} } },
    ]);
    expect(out).toBe(
      '  [create_tool] error: policy denied: registry.create.function.lua on app.generated:x\n' +
        '  [load_tool] error: not found: app.generated:y\n' +
        '  [registry_read] ok\n',
    );
  });

  it('ends a canceled stream on its own line', () => {
    const { out, err } = capture((io) => new TextTranscript(io, { isTTY: false }), [
      { type: 'chunk', turn: 3, content: 'Half an ans' },
      { type: 'turn_end', turn: 3, status: 'canceled', steps: 1 },
    ]);
    expect(out).toBe('Half an ans\n');
    expect(err).toBe('(turn canceled)\n');
  });
});

describe('--json transcript', () => {
  it('prints one JSON line per shown event and nothing for ready/turn_end/thinking/info', () => {
    const events: AgentEvent[] = [
      { type: 'ready', agent: 'app:dev_assistant', model: 'gpt-5.1', tools: [] },
      { type: 'thinking', turn: 1, content: 'hmm' },
      ...SESSION,
      { type: 'compressed', turn: 1, before_chars: 10, after_chars: 5, prompt_tokens: 99000 },
      { type: 'error', turn: 1, error: { type: 'llm', message: 'x' } },
      { type: 'info', what: 'tools', data: [] },
    ];
    const { out, err } = capture((io) => new JsonTranscript(io), events);
    expect(err).toBe('');
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((l) => l.type)).toEqual([
      'tool_call', 'tool_result', 'tool_call', 'tool_result', 'tool_result', 'tool_loaded', 'usage', 'chunk', 'chunk', 'answer', 'compressed', 'error',
    ]);
    expect(lines[5]).toEqual({ type: 'tool_loaded', turn: 1, id: 'app.generated:current_time_utc', alias: 'current_time_utc' });
  });
});
