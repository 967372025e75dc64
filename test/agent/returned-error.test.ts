// A tool that returns {error = ...} failed: the agent's tool_result says ok: false with that message.
import { describe, expect, it } from 'vitest';
import { returnedError } from '../../src/agent/returned-error.js';

describe('returnedError', () => {
  it('reads the message of string and {message} errors', () => {
    expect(returnedError({ error: 'policy denied: registry.create on app.generated:x' })).toBe('policy denied: registry.create on app.generated:x');
    expect(returnedError({ error: { message: 'not found: app.generated:y', kind: 'NotFound' } })).toBe('not found: app.generated:y');
    expect(returnedError({ error: { code: 7 } })).toBe('{"code":7}');
  });

  it('treats values without a truthy error field as success', () => {
    expect(returnedError({ error: null, entry: {} })).toBeUndefined();
    expect(returnedError({ error: false })).toBeUndefined();
    expect(returnedError({ utc: '2026-11-21T08:00:00Z' })).toBeUndefined();
    expect(returnedError(['error'])).toBeUndefined();
    expect(returnedError('error')).toBeUndefined();
    expect(returnedError(null)).toBeUndefined();
  });
});
