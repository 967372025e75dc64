// `*` globs for ids, kinds, namespaces and names: `*` matches any run of characters (dots included),
// everything else is literal. Compiled patterns are cached because filters repeat.
const cache = new Map<string, RegExp>();
const CACHE_MAX = 512;

/** True when the pattern contains a `*`. */
export function isGlob(pattern: string): boolean {
  return pattern.includes('*');
}

export function globToRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\\/-]/g, '\\$&'))
    .join('.*');
  re = new RegExp(`^${body}$`, 's');
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Exact comparison for plain strings, glob match when the pattern has a `*`. */
export function matchGlob(pattern: string, value: string): boolean {
  return isGlob(pattern) ? globToRegExp(pattern).test(value) : pattern === value;
}
