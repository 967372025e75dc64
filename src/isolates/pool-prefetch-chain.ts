// The chains of calls queued (prefetched) on a busy worker behind its running call: walking one, joining,
// splicing a call out, and picking the chain a new call joins or an idle worker takes a call from.
import type { LevelTicket } from './pool-level.js';

/** The calls queued behind this one, nearest first. */
export function queuedBehind(ticket: LevelTicket): LevelTicket[] {
  const chain: LevelTicket[] = [];
  for (let next = ticket.next; next; next = next.next) chain.push(next);
  return chain;
}

/** Queue `ticket` behind `tail` (the running call, or the last call queued behind it). */
export function joinChain(tail: LevelTicket, ticket: LevelTicket): void {
  ticket.lane = 'prefetch';
  ticket.behind = tail;
  tail.next = ticket;
}

/** Take a queued call out of its chain: the call queued behind it moves up behind the one ahead. */
export function unlinkQueued(ticket: LevelTicket): void {
  const behind = ticket.behind;
  const next = ticket.next;
  if (behind?.next === ticket) behind.next = next;
  if (next?.behind === ticket) next.behind = behind;
  ticket.behind = ticket.next = undefined;
}

/** The running call ended: the call queued first behind it becomes the head of the chain (it runs now). */
export function promoteNext(ticket: LevelTicket): LevelTicket | undefined {
  const next = ticket.next;
  if (next) ticket.next = next.behind = undefined;
  return next;
}

/**
 * The tail a new call joins: that of the shortest chain with fewer than `depth` calls queued, among the
 * running calls `eligible` accepts, whose queued calls are all of tools `fast` accepts; undefined if none.
 */
export function shortestChainTail(
  running: Iterable<LevelTicket>,
  depth: number,
  eligible: (ticket: LevelTicket) => boolean,
  fast: (key: string) => boolean,
): LevelTicket | undefined {
  let tail: LevelTicket | undefined;
  let shortest = depth;
  for (const head of running) {
    if (!eligible(head)) continue;
    let last = head;
    let queued = 0;
    while (last.next && queued < shortest) {
      last = last.next;
      queued++;
      if (!fast(last.key)) queued = shortest;
    }
    if (queued >= shortest) continue;
    tail = last;
    shortest = queued;
    if (queued === 0) break;
  }
  return tail;
}

/** The last call of the longest chain with at least `min` calls queued, or undefined. */
export function longestChainTail(running: Iterable<LevelTicket>, min: number): LevelTicket | undefined {
  let longest: LevelTicket[] = [];
  for (const head of running) {
    const chain = queuedBehind(head);
    if (chain.length > longest.length) longest = chain;
  }
  return longest.length >= min ? longest[longest.length - 1] : undefined;
}
