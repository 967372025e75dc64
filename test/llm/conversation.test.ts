// The conversation builder: Wippy merging rules, function call/result records, round-tripping as
// plain data so an agent can be rebuilt without losing history, and validation of stored messages.
import { describe, expect, it } from 'vitest';
import { Conversation } from '../../src/llm/conversation.js';
import { chatMessages } from '../../src/llm/chat-request.js';
import { responsesInput } from '../../src/llm/responses-request.js';

describe('conversation builder', () => {
  it('merges consecutive text messages of the same role and skips empty system text', () => {
    const c = new Conversation().addSystem('a').addSystem('').addSystem('b').addUser('q1').addUser('q2').addAssistant('x');
    expect(c.messages()).toEqual([
      { role: 'system', content: 'a\n\nb' },
      { role: 'user', content: 'q1\n\nq2' },
      { role: 'assistant', content: 'x' },
    ]);
  });

  it('never merges function calls or results and JSON-encodes objects', () => {
    const c = new Conversation().addFunctionCall('t', { a: 1 }, 'c1').addFunctionCall('t', '{"a":2}', 'c2').addFunctionResult('t', { ok: true }, 'c1').addFunctionResult('t', 'plain', 'c2');
    expect(c.messages()).toEqual([
      { role: 'function_call', id: 'c1', name: 't', arguments: '{"a":1}' },
      { role: 'function_call', id: 'c2', name: 't', arguments: '{"a":2}' },
      { role: 'function_result', id: 'c1', name: 't', content: '{"ok":true}' },
      { role: 'function_result', id: 'c2', name: 't', content: 'plain' },
    ]);
  });

  it('round-trips through plain JSON, so a rebuilt agent keeps the history', () => {
    const c = new Conversation().addSystem('s').addUser('u').addFunctionCall('t', {}, 'c1').addFunctionResult('t', 1, 'c1');
    const copy = Conversation.from(JSON.parse(JSON.stringify(c)));
    expect(copy.messages()).toEqual(c.messages());
    copy.addUser('more');
    expect(c.length).toBe(4);
    expect(copy.length).toBe(5);
  });

  it('rejects a stored message with an unknown role, naming the index', () => {
    expect(() => Conversation.from([{ role: 'user', content: 'ok' }, { role: 'robot', content: 'x' }])).toThrow(/invalid conversation message at \[1/);
  });

  it('requires call ids on function calls and results', () => {
    expect(() => new Conversation().addFunctionCall('t', {}, '')).toThrow(/call id/);
    expect(() => new Conversation().addFunctionResult('t', {}, '')).toThrow(/call id/);
  });

  it('renders labelled text for summarising', () => {
    const c = new Conversation().addUser('hi').addFunctionCall('t', { a: 1 }, 'c1').addFunctionResult('t', 'r', 'c1');
    expect(c.toText()).toBe('user: hi\n\n[tool call t] {"a":1}\n\n[tool result t] r');
  });

  it('gives orphan function calls a synthetic assistant message in Chat Completions', () => {
    const c = new Conversation().addUser('q').addFunctionCall('t', {}, 'c1').addFunctionResult('t', 'r', 'c1').addFunctionCall('t', {}, 'c2').addFunctionResult('t', 'r2', 'c2');
    // one contiguous block of calls/results = one assistant turn
    expect(chatMessages(c.messages())).toEqual([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 't', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 't', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'r' },
      { role: 'tool', tool_call_id: 'c2', content: 'r2' },
    ]);
  });

  it('fails on a wire-format message (role "tool") instead of looping forever or dropping it', () => {
    // Chat Completions messages passed where conversation messages belong: the builder used to spin on them.
    const wire = [{ role: 'user', content: 'q' }, { role: 'tool', tool_call_id: 'c1', content: 'r' }] as unknown as Parameters<typeof chatMessages>[0];
    expect(() => chatMessages(wire)).toThrow(/message 1 has role "tool", not a conversation role/);
    expect(() => responsesInput(wire)).toThrow(/message 1 has role "tool", not a conversation role/);
  });
});
