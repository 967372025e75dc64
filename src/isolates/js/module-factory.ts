// Rewrites a simple ES-module tool into the body of a factory function (exports become a returned object),
// so a reused context can give every call a fresh module scope by calling the factory instead of re-parsing.
//
// Only a conservative subset is rewritten; anything else keeps the per-call module evaluation:
// - every textual `export` is a top-level export statement this scanner understands, and there is no
//   `import`, `<!--`, `-->` or use of the hidden default name anywhere in the text;
// - forms: `export function|async function|function*|class NAME`, `export const|let|var NAME ...` (one
//   declarator), `export default function|class NAME`, `export default <expression>`, `export { a, b as c }`.
// The rewrite is only a speed-up. Safety does not depend on this scanner being right: the engine accepts a
// body only if it compiles on its own as a strict script (so it cannot close the factory early), and
// only after the module's real export names (from one module evaluation) equal `exports` below.

/** Name of the hidden binding that holds `export default <expression>` (no source may contain it). */
export const DEFAULT_BINDING = '$__default';

export interface ModuleFactory {
  /** The source with export keywords blanked out (same lines and, except defaults, same columns). */
  readonly body: string;
  /** Export name -> local binding, sorted by export name (the namespace order). */
  readonly exports: readonly (readonly [string, string])[];
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(['__proto__', DEFAULT_BINDING]);

/** Keywords after which a `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set([
  'return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else',
  'yield', 'await',
]);

interface Token {
  readonly start: number;
  readonly end: number;
  /** 'w' word, 'p' punctuator, 's' string/template/regex/number. */
  readonly type: 'w' | 'p' | 's';
  readonly text: string;
  /** Bracket depth before this token. */
  readonly depth: number;
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c > 127;
}

/** Tokens of `src`; undefined on anything the scanner does not handle (unterminated literals, stray brackets). */
function tokenize(src: string): Token[] | undefined {
  const tokens: Token[] = [];
  // Bracket stack: '(' '[' '{' or '`' for a template substitution `${`.
  const stack: string[] = [];
  const n = src.length;
  let i = 0;
  let prev: Token | undefined;
  const push = (start: number, end: number, type: Token['type']): void => {
    prev = { start, end, type, text: src.slice(start, end), depth: stack.length };
    tokens.push(prev);
  };
  const regexAllowed = (): boolean => {
    if (!prev) return true;
    if (prev.type === 's') return false;
    if (prev.type === 'w') return REGEX_AFTER_WORD.has(prev.text);
    return prev.text !== ')' && prev.text !== ']';
  };
  /** Scans template characters from i (after ` or }); returns true at `${` (pushed), false at the closing `. */
  const template = (): boolean | undefined => {
    const start = i;
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 96) {
        i++;
        push(start, i, 's');
        return false;
      } else if (c === 36 && src.charCodeAt(i + 1) === 123) {
        i += 2;
        push(start, i, 's');
        stack.push('`');
        return true;
      } else i++;
    }
    return undefined;
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029) {
      i++;
    } else if (c === 47 && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10 && src.charCodeAt(i) !== 13) i++;
    } else if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (c === 34 || c === 39) {
      const start = i++;
      while (i < n && src.charCodeAt(i) !== c) {
        const d = src.charCodeAt(i);
        if (d === 10 || d === 13) return undefined;
        i += d === 92 ? 2 : 1;
      }
      if (i >= n) return undefined;
      i++;
      push(start, i, 's');
    } else if (c === 96) {
      i++;
      if (template() === undefined) return undefined;
    } else if (c === 47 && regexAllowed()) {
      const start = i++;
      let inClass = false;
      for (;;) {
        if (i >= n) return undefined;
        const d = src.charCodeAt(i);
        if (d === 10 || d === 13) return undefined;
        if (d === 92) i += 2;
        else {
          i++;
          if (d === 91) inClass = true;
          else if (d === 93) inClass = false;
          else if (d === 47 && !inClass) break;
        }
      }
      while (i < n && isIdentChar(src.charCodeAt(i))) i++;
      push(start, i, 's');
    } else if (isIdentChar(c)) {
      const start = i;
      while (i < n && isIdentChar(src.charCodeAt(i))) i++;
      const digit = c >= 48 && c <= 57;
      if (digit) {
        // numbers: digits, letters, dots and exponent signs (1.5e-3, 0x1F, 1_000n)
        while (i < n) {
          const d = src.charCodeAt(i);
          const prevC = src.charCodeAt(i - 1);
          if (isIdentChar(d) || d === 46 || ((d === 43 || d === 45) && (prevC === 101 || prevC === 69))) i++;
          else break;
        }
      }
      push(start, i, digit ? 's' : 'w');
    } else if (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57) {
      const start = i++;
      while (i < n && (isIdentChar(src.charCodeAt(i)) || src.charCodeAt(i) === 46)) i++;
      push(start, i, 's');
    } else if (c === 40 || c === 91 || c === 123) {
      push(i, i + 1, 'p');
      stack.push(src[i]!);
      i++;
    } else if (c === 41 || c === 93 || c === 125) {
      const open = stack.pop();
      if (open === '`' && c === 125) {
        i++;
        if (template() === undefined) return undefined;
        continue;
      }
      if (open !== (c === 41 ? '(' : c === 93 ? '[' : '{')) return undefined;
      push(i, i + 1, 'p');
      i++;
    } else {
      push(i, i + 1, 'p');
      i++;
    }
  }
  return stack.length === 0 ? tokens : undefined;
}

/** The factory rewrite of `source`, or undefined when the source is outside the supported subset. */
export function moduleFactory(source: string): ModuleFactory | undefined {
  if (/\bimport\b|<!--|-->/.test(source) || source.includes(DEFAULT_BINDING)) return undefined;
  const textual = source.match(/\bexport\b/g)?.length ?? 0;
  if (textual === 0) return undefined;
  const tokens = tokenize(source);
  if (!tokens) return undefined;
  const chars = source.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (chars[k] !== '\n' && chars[k] !== '\r') chars[k] = ' ';
  };
  const exports = new Map<string, string>();
  const add = (name: string, local: string): boolean => {
    if (!IDENT.test(local) || RESERVED.has(name) || exports.has(name)) return false;
    exports.set(name, local);
    return true;
  };
  let found = 0;
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t]!;
    if (tok.type !== 'w' || tok.text !== 'export') continue;
    // Only statement-level exports: top level, and not a property name (`a.export`, `{ export: 1 }`).
    if (tok.depth !== 0) return undefined;
    const before = tokens[t - 1];
    if (before && before.type === 'p' && before.text === '.') return undefined;
    found++;
    const next = tokens[t + 1];
    const after = tokens[t + 2];
    if (!next) return undefined;
    if (next.type === 'w' && (next.text === 'function' || next.text === 'class' || next.text === 'async')) {
      let k = t + 1;
      if (tokens[k]!.text === 'async') k++;
      if (tokens[k]?.text === 'function' && tokens[k + 1]?.text === '*') k++;
      const name = tokens[k + 1];
      if (!name || name.type !== 'w' || !add(name.text, name.text)) return undefined;
      blank(tok.start, tok.end);
    } else if (next.type === 'w' && (next.text === 'const' || next.text === 'let' || next.text === 'var')) {
      if (!after || after.type !== 'w' || !add(after.text, after.text)) return undefined;
      blank(tok.start, tok.end);
    } else if (next.type === 'w' && next.text === 'default') {
      if (!after) return undefined;
      let k = t + 2;
      if (tokens[k]!.text === 'async' && tokens[k + 1]?.text === 'function') k++;
      const declaration = tokens[k]!.text === 'function' || tokens[k]!.text === 'class';
      if (declaration && tokens[k]!.text === 'function' && tokens[k + 1]?.text === '*') k++;
      const name = tokens[k + 1];
      if (declaration && name && name.type === 'w' && name.text !== 'extends') {
        // export default function NAME / class NAME: a declaration; the export is its binding.
        if (!add('default', name.text)) return undefined;
        blank(tok.start, next.end);
      } else if (declaration) {
        return undefined;
      } else {
        // export default <expression>: `const <hidden> = <expression>` (same grammar and statement end).
        if (!add('default', DEFAULT_BINDING)) return undefined;
        const replacement = `const ${DEFAULT_BINDING} =`;
        blank(tok.start, next.end);
        chars[tok.start] = replacement;
      }
    } else if (next.type === 'p' && next.text === '{') {
      let k = t + 2;
      for (;;) {
        const a = tokens[k];
        if (!a) return undefined;
        if (a.type === 'p' && a.text === '}') break;
        if (a.type !== 'w') return undefined;
        let name = a.text;
        k++;
        if (tokens[k]?.type === 'w' && tokens[k]!.text === 'as') {
          const alias = tokens[k + 1];
          if (!alias || alias.type !== 'w') return undefined;
          name = alias.text;
          k += 2;
        }
        if (!add(name, a.text)) return undefined;
        if (tokens[k]?.type === 'p' && tokens[k]!.text === ',') k++;
      }
      const close = tokens[k]!;
      const tail = tokens[k + 1];
      if (tail && tail.type === 'w' && tail.text === 'from') return undefined;
      blank(tok.start, close.end);
    } else {
      return undefined;
    }
  }
  if (found !== textual || exports.size === 0) return undefined;
  return { body: chars.join(''), exports: [...exports].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) };
}

/**
 * The factory as a script whose only statement is one function expression (holds only for a body that
 * compiles alone as a strict script: see factoryBodyCheck). Line numbers match the tool source.
 */
export function factoryScript(factory: ModuleFactory): string {
  const fields = factory.exports.map(([name, local]) => `${JSON.stringify(name)}: ${local}`).join(', ');
  return `(function () { 'use strict'; ${factory.body}\n;return { __proto__: null, ${fields} };\n})`;
}

/** The text that must compile alone (compile-only, nothing runs) before factoryScript may be used. */
export function factoryBodyCheck(factory: ModuleFactory): string {
  return `'use strict'; ${factory.body}`;
}
