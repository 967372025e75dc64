// Bisection over a sorted list: the first index at which a predicate that is false, then true along the list,
// turns true (the insertion point of a sorted list, the start of a run of ids).

/** The first index in `list` whose item satisfies `notBefore` (list.length if none); `notBefore` must be monotone. */
export function firstIndexWhere<T>(list: readonly T[], notBefore: (item: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (notBefore(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
