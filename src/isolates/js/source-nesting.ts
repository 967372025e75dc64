// A cheap pre-parse check of how deeply a tool's source nests brackets: QuickJS's recursive parser can
// exhaust the host thread's stack before its own stack check fires, so absurd nesting is refused up front.

/** Deeper bracket nesting than this is refused as a CompileError. Real code stays far below it. */
export const MAX_SOURCE_NESTING = 1_000;

/** The 1-based line where bracket nesting first exceeds `limit`, or undefined. Skips comments and quotes. */
export function excessiveNestingLine(source: string, limit = MAX_SOURCE_NESTING): number | undefined {
  let depth = 0;
  let line = 1;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    if (c === 10) {
      line++;
    } else if (c === 47 /* / */ && source.charCodeAt(i + 1) === 47) {
      while (i < n && source.charCodeAt(i) !== 10) i++;
      line++;
    } else if (c === 47 && source.charCodeAt(i + 1) === 42 /* * */) {
      i += 2;
      while (i < n && !(source.charCodeAt(i) === 42 && source.charCodeAt(i + 1) === 47)) {
        if (source.charCodeAt(i) === 10) line++;
        i++;
      }
      i++;
    } else if (c === 34 || c === 39) {
      i++;
      while (i < n && source.charCodeAt(i) !== c && source.charCodeAt(i) !== 10) {
        if (source.charCodeAt(i) === 92 /* \ */) i++;
        i++;
      }
    } else if (c === 40 || c === 91 || c === 123) {
      depth++;
      if (depth > limit) return line;
    } else if (c === 41 || c === 93 || c === 125) {
      if (depth > 0) depth--;
    }
  }
  return undefined;
}
