// "Did you mean" for doc paths: normalises a requested path (leading slash, .md, docs/ or en/ prefix)
// and ranks known paths by edit distance on the whole path and on its last segment.

/** `/docs/modules/time.md` -> `modules/time`; `en/lua/core/time` -> `lua/core/time`. */
export function normalizeDocPath(path: string): string {
  return path
    .trim()
    .replace(/\\/g, '/')
    .replace(/^(?:\.?\/)+/, '')
    .replace(/^(?:docs|en)\//, '')
    .replace(/\.md$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/** Last path segment with `-`, `_` and spaces removed: `http-client` and `http_client` compare equal. */
export function segmentKey(path: string): string {
  const parts = path.split('/');
  return parts[parts.length - 1]!.replace(/[-_\s]/g, '');
}

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Up to `limit` known paths closest to `wanted` (always some, nearest first, ties by name). */
export function nearPaths(wanted: string, known: readonly string[], limit = 5): string[] {
  const w = normalizeDocPath(wanted);
  const wKey = segmentKey(w);
  const scored = known.map((p) => {
    const seg = editDistance(wKey, segmentKey(p));
    const whole = editDistance(w, p);
    const contains = wKey !== '' && (p.includes(wKey) || segmentKey(p).includes(wKey)) ? -2 : 0;
    return { p, d: Math.min(seg, whole) + contains };
  });
  // code-unit order (paths are ASCII): localeCompare would load ICU for the first doc lookup of a process
  scored.sort((a, b) => a.d - b.d || (a.p < b.p ? -1 : a.p > b.p ? 1 : 0));
  return scored.slice(0, limit).map((s) => s.p);
}
