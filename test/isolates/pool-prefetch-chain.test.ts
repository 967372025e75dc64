// The chain helpers on plain tickets: joining, splicing a call out, promoting the next call when the
// running one ends, and choosing the chain a call joins (shortest, all fast) or an idle worker takes from.
import { describe, expect, it } from 'vitest';
import type { LevelTicket } from '../../src/isolates/pool-level.js';
import { joinChain, longestChainTail, promoteNext, queuedBehind, shortestChainTail, unlinkQueued } from '../../src/isolates/pool-prefetch-chain.js';

const ticket = (key: string): LevelTicket => ({ lane: 'core', long: false, holding: false, key, slot: 0, worker: 1 });

/** A running call with calls of the given keys queued behind it. */
function chain(head: string, ...queued: string[]): LevelTicket[] {
  const all = [ticket(head)];
  for (const key of queued) {
    const t = ticket(key);
    joinChain(all[all.length - 1]!, t);
    all.push(t);
  }
  return all;
}

const keys = (ts: LevelTicket[]): string[] => ts.map((t) => t.key);
const always = (): boolean => true;

describe('prefetch chains', () => {
  it('joins behind the tail and walks nearest first', () => {
    const [head, a, b] = chain('r', 'a', 'b');
    expect(keys(queuedBehind(head!))).toEqual(['a', 'b']);
    expect(a!.lane).toBe('prefetch');
    expect(b!.behind).toBe(a);
  });

  it('splices a call out of the middle: the one behind moves up', () => {
    const [head, a, b, c] = chain('r', 'a', 'b', 'c');
    unlinkQueued(b!);
    expect(keys(queuedBehind(head!))).toEqual(['a', 'c']);
    expect(c!.behind).toBe(a);
    expect(b!.behind).toBeUndefined();
    expect(b!.next).toBeUndefined();
  });

  it('promotes the first queued call when the running one ends; the rest stay behind it', () => {
    const [head, a] = chain('r', 'a', 'b');
    expect(promoteNext(head!)).toBe(a);
    expect(head!.next).toBeUndefined();
    expect(a!.behind).toBeUndefined();
    expect(keys(queuedBehind(a!))).toEqual(['b']);
    expect(promoteNext(ticket('alone'))).toBeUndefined();
  });

  it('a new call joins the shortest chain under the depth, skipping chains with a call of a tool not known fast', () => {
    const one = chain('r1', 'a');
    const two = chain('r2', 'b', 'c');
    const none = chain('r3');
    expect(shortestChainTail([one[0]!, two[0]!, none[0]!], 3, always, always)).toBe(none[0]);
    expect(shortestChainTail([two[0]!, one[0]!], 3, always, always)).toBe(one[1]);
    expect(shortestChainTail([two[0]!], 2, always, always)).toBeUndefined();
    expect(shortestChainTail([one[0]!, two[0]!], 3, always, (k) => k !== 'a')).toBe(two[2]);
    expect(shortestChainTail([one[0]!, none[0]!], 3, (t) => t.key !== 'r3', always)).toBe(one[1]);
  });

  it('an idle worker takes the last call of the longest chain, only from chains of at least `min`', () => {
    const one = chain('r1', 'a');
    const three = chain('r2', 'b', 'c', 'd');
    expect(longestChainTail([one[0]!, three[0]!], 2)).toBe(three[3]);
    expect(longestChainTail([one[0]!], 2)).toBeUndefined();
  });
});
