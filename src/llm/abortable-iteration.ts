// Iterates an async stream until it ends or a signal aborts — whichever comes first. The openai SDK's
// stream can hang in next() after an abort when chunks were already buffered (measured here), so never wait on it alone.

const ABORTED = Symbol('aborted');

/**
 * Calls `onItem` for each item until the iterable ends, `onItem` returns `'stop'`, or `signal` aborts.
 * Returns 'aborted' when the signal ended it (also when it aborted during onItem), else 'done'.
 */
export async function iterateUntilAborted<T>(iterable: AsyncIterable<T>, signal: AbortSignal, onItem: (item: T) => 'stop' | void): Promise<'done' | 'aborted'> {
  if (signal.aborted) return 'aborted';
  const it = iterable[Symbol.asyncIterator]();
  // One listener for the whole stream; each wait gets a fresh settle function (no per-chunk build-up).
  let settle: ((r: IteratorResult<T> | typeof ABORTED) => void) | undefined;
  const onAbort = (): void => settle?.(ABORTED);
  signal.addEventListener('abort', onAbort, { once: true });
  let ended = false;
  try {
    for (;;) {
      const next = it.next();
      const r = await new Promise<IteratorResult<T> | typeof ABORTED>((resolve, reject) => {
        settle = resolve;
        next.then(resolve, reject);
        if (signal.aborted) resolve(ABORTED);
      });
      settle = undefined;
      if (r === ABORTED) return 'aborted';
      if (r.done) {
        ended = true;
        return signal.aborted ? 'aborted' : 'done';
      }
      if (onItem(r.value) === 'stop') return 'done';
      if (signal.aborted) return 'aborted';
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    // A stream that ended needs no release. Otherwise release it without waiting: after an abort its return()
    // may never settle.
    if (!ended) {
      void Promise.resolve()
        .then(() => it.return?.())
        .catch(() => {});
    }
  }
}
