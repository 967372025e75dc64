// The `text` module: RE2-style regular expressions (translated to JS RegExp), character diffs
// (compare/summarize/pretty_text/pretty_html) and text splitters (recursive, markdown) for chunking.
import { createRequire } from 'node:module';
import { ArgumentFailure, ModuleFailure, multi, type CallContext, type GuestValue, type ModuleSpec, type TypedValue } from './module-spec.js';
import { isPlainObject, toText, typeName } from './bytes.js';

type DiffLib = typeof import('diff');
let diffLib: DiffLib | undefined;
/**
 * The diff library, loaded on the first diff or patch (19 modules that every thread importing the module
 * catalog loaded at startup, for functions few tools call).
 */
function diff(): DiffLib {
  diffLib ??= createRequire(import.meta.url)('diff') as DiffLib;
  return diffLib;
}

// ---------------------------------------------------------------------------------------------
// Regular expressions
const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: '0-9a-zA-Z', upper: 'A-Z', lower: 'a-z', space: '\\t\\n\\v\\f\\r ',
  word: '\\w', xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~', ascii: '\\x00-\\x7f',
};

export interface CompiledRe {
  readonly pattern: string;
  readonly re: RegExp;
  /** names[i] is the name of group i ('' when unnamed); names[0] is ''. */
  readonly names: string[];
}

function reError(pattern: string, msg: string): never {
  throw new ModuleFailure('Invalid', `error parsing regexp: ${msg} in ${JSON.stringify(pattern)}`);
}

/** Translates RE2 syntax to a JS RegExp, refusing what RE2 does not have (lookaround, backreferences). */
export function compileRe2(pattern: string): CompiledRe {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags += flags.includes(f) ? '' : f;
      else reError(pattern, `invalid or unsupported Perl syntax: \`(?${f}\``);
    }
    src = src.slice(lead[0].length);
  }
  let out = '';
  const names: string[] = [''];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) reError(pattern, 'trailing backslash at end of expression');
      if (n === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = src.slice(i + 2, end < 0 ? src.length : end);
        out += lit.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if (!inClass && n! >= '1' && n! <= '9') reError(pattern, `invalid escape sequence: \`\\${n}\` (RE2 has no backreferences)`);
      if (!inClass && n === 'A') { out += '(?<![\\s\\S])'; i++; continue; }
      if (!inClass && n === 'z') { out += '(?![\\s\\S])'; i++; continue; }
      if (n === 'p' || n === 'P') {
        if (src[i + 2] !== '{' && src[i + 2] !== undefined) { out += `\\${n}{${src[i + 2]}}`; i += 2; continue; }
      }
      out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '[' && src[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
        if (m && POSIX[m[2]!] !== undefined) {
          if (m[1]) reError(pattern, 'negated POSIX classes are not supported');
          out += POSIX[m[2]!];
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') { out += '^'; i++; }
      if (src[i + 1] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(') {
      if (src[i + 1] === '?') {
        const rest = src.slice(i + 2);
        const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
        if (named) {
          names.push(named[1]!);
          out += `(?<${named[1]}>`;
          i += 1 + named[0].length;
          continue;
        }
        if (rest.startsWith(':')) { out += '(?:'; i += 2; continue; }
        if (/^(=|!|<=|<!)/.test(rest)) reError(pattern, 'invalid or unsupported Perl syntax: lookaround assertions are not in RE2');
        reError(pattern, `invalid or unsupported Perl syntax: \`(?${rest.slice(0, 2)}\``);
      }
      names.push('');
      out += c;
      continue;
    }
    out += c;
  }
  if (inClass) reError(pattern, 'missing closing ]');
  let re: RegExp;
  try {
    re = new RegExp(out, `${flags}gu`);
  } catch {
    try {
      re = new RegExp(out, `${flags}g`);
    } catch (e) {
      reError(pattern, (e as Error).message.replace(/^Invalid regular expression: /, ''));
    }
  }
  return { pattern, re: re!, names };
}

interface Match { start: number; end: number; groups: (string | undefined)[]; gstarts: (number | undefined)[] }

/** Go's FindAll semantics: successive non-overlapping matches; empty matches abutting a previous match are skipped. */
function findAll(c: CompiledRe, s: string, n: number): Match[] {
  const out: Match[] = [];
  if (n === 0) return out;
  const re = c.re;
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && (n < 0 || out.length < n)) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) break;
    const start = m.index, end = start + m[0].length;
    if (start === end && start === prevEnd) {
      pos = start + (s.codePointAt(start)! > 0xffff ? 2 : 1);
      continue;
    }
    const groups: (string | undefined)[] = [];
    for (let g = 0; g < m.length; g++) groups.push(m[g]);
    out.push({ start, end, groups, gstarts: [] });
    prevEnd = end;
    pos = end > start ? end : end + (end < s.length && s.codePointAt(end)! > 0xffff ? 2 : 1);
  }
  return out;
}

/** Maps UTF-16 indexes to UTF-8 byte offsets (ascending queries). */
function byteOffsets(s: string): (idx: number) => number {
  let lastIdx = 0, lastByte = 0;
  return (idx: number) => {
    if (idx < lastIdx) { lastIdx = 0; lastByte = 0; }
    lastByte += Buffer.byteLength(s.slice(lastIdx, idx), 'utf8');
    lastIdx = idx;
    return lastByte;
  };
}

/** Go's Regexp.Expand template: $1, ${1}, $name, ${name}, $$. */
function expand(template: string, m: Match, names: string[]): string {
  return template.replace(/\$(\$|\{([^}]*)\}|([A-Za-z0-9_]+))/g, (whole, tok: string, braced?: string, bare?: string) => {
    if (tok === '$') return '$';
    const name = braced ?? bare;
    if (name === undefined || name === '') return braced === undefined ? whole : '';
    if (/^\d+$/.test(name)) return m.groups[Number(name)] ?? '';
    const idx = names.indexOf(name);
    return idx > 0 ? (m.groups[idx] ?? '') : '';
  });
}

function reSelf(ctx: CallContext, self: GuestValue | undefined): CompiledRe {
  if (typeof self !== 'object' || self === null || (self as TypedValue).__type !== 'text.Regexp' || typeof (self as TypedValue).handle !== 'number') {
    throw new ArgumentFailure(`self: text.Regexp expected, got ${typeName(self ?? null)}`);
  }
  const c = ctx.handles.get<unknown>((self as TypedValue).handle as number);
  if (typeof c !== 'object' || c === null || !(((c as CompiledRe).re) instanceof RegExp) || !Array.isArray((c as CompiledRe).names)) {
    throw new ArgumentFailure('self: not a text.Regexp handle');
  }
  return c as CompiledRe;
}

function nArg(v: GuestValue | undefined): number {
  if (v === null || v === undefined) return -1;
  if (typeof v !== 'number') throw new ArgumentFailure(`n: number expected, got ${typeName(v)}`);
  return Math.trunc(v);
}

function goSplit(c: CompiledRe, s: string, n: number): string[] | null {
  if (n === 0) return null;
  if (c.pattern.length > 0 && s.length === 0) return [''];
  const matches = findAll(c, s, n);
  const out: string[] = [];
  let beg = 0, end = 0;
  for (const m of matches) {
    if (n > 0 && out.length === n - 1) break;
    end = m.start;
    if (m.end !== 0) out.push(s.slice(beg, end));
    beg = m.end;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

const re = (fn: (c: CompiledRe, s: string, ...rest: GuestValue[]) => GuestValue) =>
  (ctx: CallContext, self: GuestValue, s: GuestValue, ...rest: GuestValue[]): GuestValue => fn(reSelf(ctx, self), toText(s ?? null, 's'), ...rest);

const regexpMethods = {
  match_string: re((c, s) => { c.re.lastIndex = 0; return c.re.exec(s) !== null; }),
  find_string: re((c, s) => findAll(c, s, 1)[0]?.groups[0] ?? null),
  find_all_string: re((c, s, n) => findAll(c, s, nArg(n)).map((m) => m.groups[0]!)),
  find_string_submatch: re((c, s) => {
    const m = findAll(c, s, 1)[0];
    return m ? m.groups.map((g) => g ?? '') : null;
  }),
  find_all_string_submatch: re((c, s, n) => findAll(c, s, nArg(n)).map((m) => m.groups.map((g) => g ?? ''))),
  find_string_index: re((c, s) => {
    const m = findAll(c, s, 1)[0];
    if (!m) return null;
    const b = byteOffsets(s);
    return [b(m.start) + 1, b(m.end)];
  }),
  find_all_string_index: re((c, s, n) => {
    const ms = findAll(c, s, nArg(n));
    if (ms.length === 0) return null;
    const b = byteOffsets(s);
    return ms.map((m) => [b(m.start) + 1, b(m.end)]);
  }),
  find_string_submatch_map: re((c, s) => {
    const m = findAll(c, s, 1)[0];
    if (!m) return null;
    const out: Record<string, GuestValue> = {};
    c.names.forEach((name, i) => { if (name) out[name] = m.groups[i] ?? ''; });
    return out;
  }),
  replace_all_string: re((c, s, repl) => {
    const template = toText(repl ?? null, 'repl');
    let out = '', last = 0;
    for (const m of findAll(c, s, -1)) {
      out += s.slice(last, m.start) + expand(template, m, c.names);
      last = m.end;
    }
    return out + s.slice(last);
  }),
  replace_all_literal_string: re((c, s, repl) => {
    const lit = toText(repl ?? null, 'repl');
    let out = '', last = 0;
    for (const m of findAll(c, s, -1)) {
      out += s.slice(last, m.start) + lit;
      last = m.end;
    }
    return out + s.slice(last);
  }),
  split: re((c, s, n) => goSplit(c, s, nArg(n))),
  num_subexp: (ctx: CallContext, self: GuestValue) => reSelf(ctx, self).names.length - 1,
  subexp_names: (ctx: CallContext, self: GuestValue) => [...reSelf(ctx, self).names],
  string: (ctx: CallContext, self: GuestValue) => reSelf(ctx, self).pattern,
};

// ---------------------------------------------------------------------------------------------
// Diff
type DiffOp = { operation: 'equal' | 'delete' | 'insert'; text: string };

function readDiffs(v: GuestValue | undefined): DiffOp[] {
  const list = Array.isArray(v) ? v : isPlainObject(v) && Object.keys(v).length === 0 ? [] : null;
  if (!list) throw new ArgumentFailure(`diffs: table expected, got ${typeName(v ?? null)}`);
  return list.map((d, i) => {
    if (!isPlainObject(d)) throw new ArgumentFailure(`diffs[${i + 1}]: table expected`);
    const op = (d as Record<string, GuestValue>).operation;
    if (op !== 'equal' && op !== 'delete' && op !== 'insert') throw new ArgumentFailure(`diffs[${i + 1}].operation: "equal", "delete" or "insert" expected`);
    return { operation: op, text: toText((d as Record<string, GuestValue>).text ?? '', `diffs[${i + 1}].text`) };
  });
}

function differSelf(self: GuestValue | undefined): void {
  if (typeof self !== 'object' || self === null || (self as TypedValue).__type !== 'text.Differ') throw new ArgumentFailure(`self: text.Differ expected, got ${typeName(self ?? null)}`);
}

export function compareText(a: string, b: string): DiffOp[] {
  return diff().diffChars(a, b).map((p) => ({ operation: p.added ? 'insert' : p.removed ? 'delete' : 'equal', text: p.value }) as DiffOp);
}

function htmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '&para;<br>');
}

const differMethods = {
  compare: (_ctx: CallContext, self: GuestValue, a: GuestValue, b: GuestValue) => {
    differSelf(self);
    return compareText(toText(a ?? null, 'text1'), toText(b ?? null, 'text2'));
  },
  summarize: (_ctx: CallContext, self: GuestValue, diffs: GuestValue) => {
    differSelf(self);
    const sum = { insertions: 0, deletions: 0, equals: 0 };
    for (const d of readDiffs(diffs)) {
      const n = [...d.text].length;
      if (d.operation === 'insert') sum.insertions += n;
      else if (d.operation === 'delete') sum.deletions += n;
      else sum.equals += n;
    }
    return sum;
  },
  pretty_text: (_ctx: CallContext, self: GuestValue, diffs: GuestValue) => {
    differSelf(self);
    return readDiffs(diffs).map((d) => d.operation === 'insert' ? `\x1b[32m${d.text}\x1b[0m` : d.operation === 'delete' ? `\x1b[31m${d.text}\x1b[0m` : d.text).join('');
  },
  /** A unified (line-based) diff turning a into b, as text. */
  patch_make: (_ctx: CallContext, self: GuestValue, a: GuestValue, b: GuestValue) => {
    differSelf(self);
    return diff().createTwoFilesPatch('a', 'b', toText(a ?? null, 'text1'), toText(b ?? null, 'text2'), '', '', { context: 3 });
  },
  /** Applies a unified diff to text: returns the patched text and true, or the text unchanged and false. */
  patch_apply: (_ctx: CallContext, self: GuestValue, patch: GuestValue, t: GuestValue) => {
    differSelf(self);
    const original = toText(t ?? null, 'text');
    let out: string | false;
    try {
      out = diff().applyPatch(original, toText(patch ?? null, 'patches'), { fuzzFactor: 0 });
    } catch (e) {
      throw new ModuleFailure('Invalid', `invalid patch: ${(e as Error).message}`);
    }
    return out === false ? multi(original, false) : multi(out, true);
  },
  pretty_html: (_ctx: CallContext, self: GuestValue, diffs: GuestValue) => {
    differSelf(self);
    return readDiffs(diffs).map((d) => {
      const t = htmlEscape(d.text);
      if (d.operation === 'insert') return `<ins style="background:#e6ffe6;">${t}</ins>`;
      if (d.operation === 'delete') return `<del style="background:#ffe6e6;">${t}</del>`;
      return `<span>${t}</span>`;
    }).join('');
  },
};

// ---------------------------------------------------------------------------------------------
// Splitters
interface SplitterCfg {
  kind: 'recursive' | 'markdown';
  chunkSize: number;
  overlap: number;
  keepSeparator: boolean;
  separators: string[];
  headingHierarchy: boolean;
}

const DEFAULT_SEPARATORS = ['\n\n', '\n', ' ', ''];
const MARKDOWN_SEPARATORS = ['\n# ', '\n## ', '\n### ', '\n#### ', '\n##### ', '\n###### ', '\n```', '\n\n***\n', '\n\n---\n', '\n\n', '\n', ' ', ''];

const len = (s: string): number => [...s].length;

function splitOn(text: string, sep: string, keep: boolean): string[] {
  if (sep === '') return [...text];
  const parts = text.split(sep);
  const out = keep ? parts.map((p, i) => (i === 0 ? p : sep + p)) : parts;
  return out.filter((p) => p !== '');
}

function mergeSplits(cfg: SplitterCfg, splits: string[], sep: string): string[] {
  const sepLen = len(sep);
  const docs: string[] = [];
  let current: string[] = [];
  let total = 0;
  for (const d of splits) {
    const l = len(d);
    if (total + l + (current.length > 0 ? sepLen : 0) > cfg.chunkSize) {
      if (current.length > 0) {
        const doc = current.join(sep).trim();
        if (doc) docs.push(doc);
        while (total > cfg.overlap || (total + l + (current.length > 0 ? sepLen : 0) > cfg.chunkSize && total > 0)) {
          total -= len(current[0]!) + (current.length > 1 ? sepLen : 0);
          current.shift();
        }
      }
    }
    current.push(d);
    total += l + (current.length > 1 ? sepLen : 0);
  }
  const doc = current.join(sep).trim();
  if (doc) docs.push(doc);
  return docs;
}

function recursiveSplit(cfg: SplitterCfg, text: string, separators: string[]): string[] {
  const final: string[] = [];
  let separator = separators[separators.length - 1] ?? '';
  let next: string[] = [];
  for (let i = 0; i < separators.length; i++) {
    const s = separators[i]!;
    if (s === '') { separator = s; break; }
    if (text.includes(s)) { separator = s; next = separators.slice(i + 1); break; }
  }
  const splits = splitOn(text, separator, cfg.keepSeparator);
  const mergeSep = cfg.keepSeparator ? '' : separator;
  let good: string[] = [];
  for (const s of splits) {
    if (len(s) < cfg.chunkSize) good.push(s);
    else {
      if (good.length) { final.push(...mergeSplits(cfg, good, mergeSep)); good = []; }
      if (next.length === 0) final.push(s);
      else final.push(...recursiveSplit(cfg, s, next));
    }
  }
  if (good.length) final.push(...mergeSplits(cfg, good, mergeSep));
  return final;
}

/** Markdown: split into heading sections first, then chunk each; optionally prefix the heading path. */
function markdownSplit(cfg: SplitterCfg, text: string): string[] {
  const lines = text.split('\n');
  const sections: { path: string[]; body: string }[] = [];
  const stack: string[] = [];
  let body: string[] = [];
  let inFence = false;
  const flush = (): void => {
    const b = body.join('\n');
    if (b.trim()) sections.push({ path: [...stack], body: b });
    body = [];
  };
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const h = !inFence ? /^(#{1,6})\s+(.*)$/.exec(line) : null;
    if (h) {
      flush();
      const level = h[1]!.length;
      stack.length = Math.min(stack.length, level - 1);
      while (stack.length < level - 1) stack.push('');
      stack.push(line.trim());
    }
    body.push(line);
  }
  flush();
  const out: string[] = [];
  for (const sec of sections) {
    const chunks = recursiveSplit(cfg, sec.body, cfg.separators);
    for (const chunk of chunks) {
      if (cfg.headingHierarchy) {
        const headings = sec.path.filter((h) => h !== '');
        if (headings.length > 0 && chunk.startsWith(headings[headings.length - 1]!)) headings.pop();
        out.push(headings.length ? `${headings.join('\n')}\n${chunk}` : chunk);
      } else out.push(chunk);
    }
  }
  return out;
}

function readSplitterOpts(kind: 'recursive' | 'markdown', opts: GuestValue | undefined): TypedValue {
  if (opts !== undefined && opts !== null && !isPlainObject(opts)) throw new ArgumentFailure(`options: table expected, got ${typeName(opts)}`);
  const o = (opts ?? {}) as Record<string, GuestValue>;
  const chunkSize = o.chunk_size === undefined || o.chunk_size === null ? 4000 : o.chunk_size;
  const overlap = o.chunk_overlap === undefined || o.chunk_overlap === null ? 200 : o.chunk_overlap;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize <= 0) throw new ModuleFailure('Invalid', 'chunk_size must be a positive integer');
  if (typeof overlap !== 'number' || !Number.isInteger(overlap) || overlap < 0) throw new ModuleFailure('Invalid', 'chunk_overlap must be a non-negative integer');
  if (overlap >= chunkSize) throw new ModuleFailure('Invalid', `chunk_overlap (${overlap}) must be smaller than chunk_size (${chunkSize})`);
  let separators = kind === 'markdown' ? MARKDOWN_SEPARATORS : DEFAULT_SEPARATORS;
  if (o.separators !== undefined && o.separators !== null) {
    if (!Array.isArray(o.separators) || o.separators.some((s) => typeof s !== 'string')) throw new ModuleFailure('Invalid', 'separators must be a list of strings');
    separators = o.separators as string[];
  }
  return {
    __type: 'text.Splitter', kind, chunk_size: chunkSize, chunk_overlap: overlap,
    keep_separator: o.keep_separator !== false, separators: [...separators],
    heading_hierarchy: kind === 'markdown' && o.heading_hierarchy !== false,
  };
}

function splitterSelf(self: GuestValue | undefined): SplitterCfg {
  if (typeof self !== 'object' || self === null || (self as TypedValue).__type !== 'text.Splitter') throw new ArgumentFailure(`self: text.Splitter expected, got ${typeName(self ?? null)}`);
  const s = self as TypedValue;
  const cfg = { kind: s.kind, chunkSize: s.chunk_size, overlap: s.chunk_overlap, keepSeparator: s.keep_separator, separators: s.separators, headingHierarchy: s.heading_hierarchy };
  if ((cfg.kind !== 'recursive' && cfg.kind !== 'markdown') || typeof cfg.chunkSize !== 'number' || cfg.chunkSize <= 0 || typeof cfg.overlap !== 'number' || cfg.overlap < 0 ||
      cfg.overlap >= cfg.chunkSize || typeof cfg.keepSeparator !== 'boolean' || !Array.isArray(cfg.separators) || cfg.separators.some((x) => typeof x !== 'string') ||
      typeof cfg.headingHierarchy !== 'boolean') {
    throw new ArgumentFailure('self: invalid text.Splitter');
  }
  return cfg as SplitterCfg;
}

function splitWith(cfg: SplitterCfg, text: string): string[] {
  return cfg.kind === 'markdown' ? markdownSplit(cfg, text) : recursiveSplit(cfg, text, cfg.separators);
}

const splitterMethods = {
  split_text: (_ctx: CallContext, self: GuestValue, text: GuestValue) => splitWith(splitterSelf(self), toText(text ?? null, 'text')),
  split_batch: (_ctx: CallContext, self: GuestValue, docs: GuestValue) => {
    const cfg = splitterSelf(self);
    const list = Array.isArray(docs) ? docs : isPlainObject(docs) && Object.keys(docs).length === 0 ? [] : null;
    if (!list) throw new ArgumentFailure(`docs: table expected, got ${typeName(docs ?? null)}`);
    const out: GuestValue[] = [];
    list.forEach((d, i) => {
      if (!isPlainObject(d)) throw new ArgumentFailure(`docs[${i + 1}]: table with content expected`);
      const doc = d as Record<string, GuestValue>;
      const meta = isPlainObject(doc.metadata) ? doc.metadata : {};
      for (const chunk of splitWith(cfg, toText(doc.content ?? null, `docs[${i + 1}].content`))) out.push({ content: chunk, metadata: { ...meta } });
    });
    return out;
  },
};

export const textModule: ModuleSpec = {
  name: 'text',
  summary: 'Text utilities: RE2-style regular expressions, character diffs, and recursive/markdown text splitters for chunking.',
  functions: {
    'regexp.compile': (ctx, pattern) => {
      const p = toText(pattern ?? null, 'pattern');
      const c = compileRe2(p);
      return { __type: 'text.Regexp', handle: ctx.handles.put(c), pattern: p };
    },
    'diff.new': (_ctx, opts) => {
      if (opts !== undefined && opts !== null && !isPlainObject(opts)) throw new ArgumentFailure(`options: table expected, got ${typeName(opts)}`);
      return { __type: 'text.Differ' };
    },
    'splitter.recursive': (_ctx, opts) => readSplitterOpts('recursive', opts),
    'splitter.markdown': (_ctx, opts) => readSplitterOpts('markdown', opts),
  },
  types: {
    'text.Regexp': { methods: regexpMethods, tostring: regexpMethods.string },
    'text.Differ': { methods: differMethods },
    'text.Splitter': { methods: splitterMethods },
  },
};
