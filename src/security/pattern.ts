// Action/resource pattern matching for security policies: `*`, exact, and trailing-`*` prefixes.
// A prefix containing a colon keeps exact namespace boundaries: `app:*` never matches `app.tools:x`.

/** A compiled pattern: true when `value` is covered by it. */
export type PatternMatcher = (value: string) => boolean;

/**
 * Why `pattern` is not a valid policy pattern, or undefined when it is.
 * Wildcards are only allowed as the whole pattern (`*`) or as its last character (`app:*`, `document.read.*`).
 */
export function patternProblem(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return `expected a string pattern, got ${describe(pattern)}`;
  if (pattern.length === 0) return 'a pattern may not be empty';
  const star = pattern.indexOf('*');
  if (star !== -1 && star !== pattern.length - 1) {
    return `"${pattern}": "*" is only allowed alone or at the end (no infix or leading wildcards)`;
  }
  return undefined;
}

/**
 * Compile one pattern. Rules (Wippy §4.2):
 * - `*` matches anything;
 * - no `*`: exact equality;
 * - trailing `*` with a colon before it (`app:*`, `app.tools:dev_*`): the value's namespace (the part
 *   before its colon) must equal the pattern's exactly, and the name must start with the rest;
 * - other trailing `*` (`document.read.*`, `registry.*`, `app.*`): plain prefix match.
 * A prefix pattern needs at least one character after the prefix (`app:*` does not match `app:`).
 * Patterns are assumed valid (see patternProblem); an invalid one matches only itself.
 */
export function compilePattern(pattern: string): PatternMatcher {
  if (pattern === '*') return () => true;
  if (!pattern.endsWith('*') || pattern.indexOf('*') !== pattern.length - 1) {
    return (value) => value === pattern;
  }
  const prefix = pattern.slice(0, -1);
  const colon = prefix.indexOf(':');
  if (colon === -1) {
    return (value) => value.length > prefix.length && value.startsWith(prefix);
  }
  const ns = prefix.slice(0, colon);
  const namePrefix = prefix.slice(colon + 1);
  return (value) => {
    const i = value.indexOf(':');
    if (i === -1 || value.slice(0, i) !== ns) return false;
    const name = value.slice(i + 1);
    return name.length > namePrefix.length && name.startsWith(namePrefix);
  };
}

/** One-off match of `value` against `pattern` (compile once with compilePattern for hot paths). */
export function matchPattern(pattern: string, value: string): boolean {
  return compilePattern(pattern)(value);
}

/** A matcher for a list of patterns: true when any matches. */
export function compilePatterns(patterns: readonly string[]): PatternMatcher {
  const matchers = patterns.map(compilePattern);
  if (matchers.length === 1) return matchers[0]!;
  return (value) => matchers.some((m) => m(value));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;
}
