// A batch result from one turn's events when --timeout fires: an answer that wins the race is kept, a turn
// that ends canceled is a timeout, and one that never ends is given up as a timeout.
import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../schemas/messages/agent.js';
import { ResultCollector } from '../../src/batch/batch-result.js';

const end = (status: 'answered' | 'canceled'): AgentEvent => ({ type: 'turn_end', turn: 1, status, steps: 1 }) as AgentEvent;
const answer: AgentEvent = { type: 'answer', turn: 1, text: 'done' } as AgentEvent;
const timeout = { type: 'timeout', message: 'no answer within 0.5 s (--timeout); the turn was canceled' };

describe('ResultCollector and --timeout', () => {
  it('race: the answer arrives while the timeout cancel is in flight; the answer is kept', () => {
    const c = new ResultCollector('a', 1);
    c.timedOut(500);
    c.event(answer);
    expect(c.event(end('answered'))).toBe(true);
    expect(c.result(600)).toMatchObject({ answer: 'done' });
    expect(c.result(600).error).toBeUndefined();
  });

  it('a turn that ends canceled after its timeout is a timeout error', () => {
    const c = new ResultCollector('a', 1);
    c.timedOut(500);
    c.event(end('canceled'));
    expect(c.result(600).error).toEqual(timeout);
  });

  it('a timed-out turn that never ends is given up as a timeout, and its late events change nothing', () => {
    const c = new ResultCollector('a', 1);
    c.timedOut(500);
    c.abandon();
    expect(c.finished).toBe(true);
    expect(c.event(end('answered'))).toBe(false);
    expect(c.result(2600).error).toEqual(timeout);
  });
});
