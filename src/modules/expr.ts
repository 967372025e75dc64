// The `expr` module: a subset of expr-lang (tokenizer + Pratt parser + evaluator over an env table),
// with the common builtins and predicate closures (`{# > 0}`, `{.price > 0}`). Programs are cached by source.
import { ArgumentFailure, ModuleFailure, type CallContext, type GuestValue, type ModuleSpec, type TypedValue } from './module-spec.js';
import { isPlainObject, toText, typeName } from './bytes.js';
import { compileRe2, type CompiledRe } from './text.js';
import { encodeJson } from './json.js';

// ---------------------------------------------------------------------------------------------
// Tokens
type Tok = { t: 'num'; v: number; p: number } | { t: 'str'; v: string; p: number } | { t: 'id'; v: string; p: number } | { t: 'op'; v: string; p: number } | { t: 'eof'; p: number };

class ExprError extends Error {}

const OPS = ['...', '**', '==', '!=', '<=', '>=', '&&', '||', '??', '?.', '..', '+', '-', '*', '/', '%', '^', '<', '>', '!', '?', ':', '.', ',', '(', ')', '[', ']', '{', '}', '#', '|'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*)(?:\.(?!\.)\d[\d_]*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num && (c !== '.' || /\d/.test(src[i + 1] ?? ''))) {
      out.push({ t: 'num', v: Number(num[0].replace(/_/g, '')), p: i });
      i += num[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1, s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", '0': '\0', b: '\b', f: '\f', v: '\v', a: '\x07' };
          if (e === 'u' && /^[0-9a-fA-F]{4}/.test(src.slice(j + 2))) { s += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16)); j += 6; continue; }
          if (e === 'x' && /^[0-9a-fA-F]{2}/.test(src.slice(j + 2))) { s += String.fromCharCode(parseInt(src.slice(j + 2, j + 4), 16)); j += 4; continue; }
          if (e === undefined || map[e] === undefined) throw new ExprError(`invalid escape in string at ${j}`);
          s += map[e];
          j += 2;
          continue;
        }
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprError(`unterminated string at ${i}`);
      out.push({ t: 'str', v: s, p: i });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new ExprError(`unterminated string at ${i}`);
      out.push({ t: 'str', v: src.slice(i + 1, j), p: i });
      i = j + 1;
      continue;
    }
    const id = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i));
    if (id) { out.push({ t: 'id', v: id[0], p: i }); i += id[0].length; continue; }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character ${JSON.stringify(c)} at ${i}`);
    out.push({ t: 'op', v: op, p: i });
    i += op.length;
  }
  out.push({ t: 'eof', p: src.length });
  return out;
}

// ---------------------------------------------------------------------------------------------
// AST and parser
type Node =
  | { k: 'lit'; v: GuestValue }
  | { k: 'name'; name: string }
  | { k: 'ptr'; field: string | null }
  | { k: 'unary'; op: string; x: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'cond'; c: Node; a: Node; b: Node }
  | { k: 'member'; x: Node; key: Node; opt: boolean }
  | { k: 'slice'; x: Node; from: Node | null; to: Node | null }
  | { k: 'call'; fn: string; args: Node[] }
  | { k: 'closure'; body: Node }
  | { k: 'array'; items: Node[] }
  | { k: 'map'; entries: [Node, Node][] };

const BINARY: Record<string, [number, boolean]> = {
  '||': [10, false], or: [10, false], '&&': [15, false], and: [15, false],
  '==': [20, false], '!=': [20, false], '<': [20, false], '>': [20, false], '<=': [20, false], '>=': [20, false],
  in: [20, false], matches: [20, false], contains: [20, false], startsWith: [20, false], endsWith: [20, false],
  '..': [25, false], '+': [30, false], '-': [30, false], '*': [60, false], '/': [60, false], '%': [60, false],
  '**': [100, true], '^': [100, true], '??': [500, false],
};
const UNARY: Record<string, number> = { not: 50, '!': 50, '-': 90, '+': 90 };
const PREDICATES = new Set(['all', 'any', 'none', 'one', 'filter', 'map', 'count', 'find', 'findIndex', 'findLast', 'findLastIndex', 'sum', 'groupBy', 'sortBy', 'reduce']);

class Parser {
  private i = 0;
  private closureDepth = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok { return this.toks[this.i]!; }
  private next(): Tok { return this.toks[this.i++]!; }
  private isOp(v: string): boolean { const t = this.peek(); return t.t === 'op' && t.v === v; }
  private expect(v: string): void {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) throw new ExprError(`expected ${JSON.stringify(v)} at ${t.p}, got ${t.t === 'eof' ? 'end of input' : JSON.stringify((t as { v: unknown }).v)}`);
  }

  parseProgram(): Node {
    const n = this.parseTernary();
    const t = this.peek();
    if (t.t !== 'eof') throw new ExprError(`unexpected token ${JSON.stringify((t as { v: unknown }).v)} at ${t.p}`);
    return n;
  }

  parseTernary(): Node {
    const c = this.parseExpr(0);
    if (this.isOp('?')) {
      this.next();
      if (this.isOp(':')) { this.next(); const b = this.parseTernary(); return { k: 'bin', op: '?:', a: c, b }; }
      const a = this.parseTernary();
      this.expect(':');
      const b = this.parseTernary();
      return { k: 'cond', c, a, b };
    }
    return c;
  }

  private binaryOp(): string | null {
    const t = this.peek();
    if (t.t === 'op' && BINARY[t.v]) return t.v;
    if (t.t === 'id') {
      if (t.v === 'not') {
        const n = this.toks[this.i + 1];
        if (n && n.t === 'id' && ['in', 'matches', 'contains', 'startsWith', 'endsWith'].includes(n.v)) return `not ${n.v}`;
        return null;
      }
      if (BINARY[t.v]) return t.v;
    }
    return null;
  }

  parseExpr(minPrec: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const op = this.binaryOp();
      if (!op) break;
      const base = op.startsWith('not ') ? op.slice(4) : op;
      const [prec, right] = BINARY[base]!;
      if (prec < minPrec) break;
      this.next();
      if (op.startsWith('not ')) this.next();
      const rhs = this.parseExpr(right ? prec : prec + 1);
      left = { k: 'bin', op: base, a: left, b: rhs };
      if (op.startsWith('not ')) left = { k: 'unary', op: '!', x: left };
    }
    return left;
  }

  private parseUnary(): Node {
    const t = this.peek();
    const op = t.t === 'op' || t.t === 'id' ? t.v : null;
    if (op !== null && UNARY[op] !== undefined && (t.t === 'op' || op === 'not')) {
      this.next();
      return { k: 'unary', op: op === 'not' ? '!' : op, x: this.parseExpr(UNARY[op]!) };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Node {
    const t = this.next();
    if (t.t === 'num') return { k: 'lit', v: t.v };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'id') {
      if (t.v === 'true') return { k: 'lit', v: true };
      if (t.v === 'false') return { k: 'lit', v: false };
      if (t.v === 'nil' || t.v === 'null') return { k: 'lit', v: null };
      if (this.isOp('(')) {
        this.next();
        const args: Node[] = [];
        while (!this.isOp(')')) {
          if (PREDICATES.has(t.v) && args.length >= 1 && this.isOp('{')) args.push(this.parseClosure());
          else args.push(this.parseTernary());
          if (!this.isOp(')')) this.expect(',');
        }
        this.next();
        return { k: 'call', fn: t.v, args };
      }
      return { k: 'name', name: t.v };
    }
    if (t.t === 'op') {
      if (t.v === '(') { const n = this.parseTernary(); this.expect(')'); return n; }
      if (t.v === '[') {
        const items: Node[] = [];
        while (!this.isOp(']')) {
          items.push(this.parseTernary());
          if (!this.isOp(']')) this.expect(',');
        }
        this.next();
        return { k: 'array', items };
      }
      if (t.v === '{') {
        const entries: [Node, Node][] = [];
        while (!this.isOp('}')) {
          const kt = this.next();
          let key: Node;
          if (kt.t === 'id' || kt.t === 'str') key = { k: 'lit', v: kt.v };
          else if (kt.t === 'num') key = { k: 'lit', v: String(kt.v) };
          else if (kt.t === 'op' && kt.v === '(') { key = this.parseTernary(); this.expect(')'); }
          else throw new ExprError(`invalid map key at ${kt.p}`);
          this.expect(':');
          entries.push([key, this.parseTernary()]);
          if (!this.isOp('}')) this.expect(',');
        }
        this.next();
        return { k: 'map', entries };
      }
      if (t.v === '#') {
        if (this.closureDepth === 0) throw new ExprError(`# is only allowed inside a predicate closure (at ${t.p})`);
        const n = this.peek();
        if (n.t === 'id' && n.v === 'index') { this.next(); return { k: 'name', name: '#index' }; }
        return { k: 'ptr', field: null };
      }
      if (t.v === '.' && this.closureDepth > 0) {
        const n = this.next();
        if (n.t !== 'id') throw new ExprError(`expected a field name after . at ${n.p}`);
        return { k: 'ptr', field: n.v };
      }
    }
    throw new ExprError(t.t === 'eof' ? 'unexpected end of expression' : `unexpected token ${JSON.stringify((t as { v: unknown }).v)} at ${t.p}`);
  }

  private parseClosure(): Node {
    this.expect('{');
    this.closureDepth++;
    const body = this.parseTernary();
    this.closureDepth--;
    this.expect('}');
    return { k: 'closure', body };
  }

  private parsePostfix(x: Node): Node {
    for (;;) {
      if (this.isOp('.') || this.isOp('?.')) {
        const opt = this.next().t === 'op' && (this.toks[this.i - 1] as { v: string }).v === '?.';
        if (opt && this.isOp('[')) {
          this.next();
          const key = this.parseTernary();
          this.expect(']');
          x = { k: 'member', x, key, opt: true };
          continue;
        }
        const n = this.next();
        if (n.t !== 'id') throw new ExprError(`expected a field name at ${n.p}`);
        x = { k: 'member', x, key: { k: 'lit', v: n.v }, opt };
        continue;
      }
      if (this.isOp('[')) {
        this.next();
        let from: Node | null = null;
        if (!this.isOp(':')) from = this.parseTernary();
        if (this.isOp(':')) {
          this.next();
          const to = this.isOp(']') ? null : this.parseTernary();
          this.expect(']');
          x = { k: 'slice', x, from, to };
          continue;
        }
        this.expect(']');
        x = { k: 'member', x, key: from!, opt: false };
        continue;
      }
      return x;
    }
  }
}

const programCache = new Map<string, Node>();

export function compileExpr(src: string): Node {
  const hit = programCache.get(src);
  if (hit) {
    programCache.delete(src);
    programCache.set(src, hit);
    return hit;
  }
  const node = new Parser(tokenize(src)).parseProgram();
  programCache.set(src, node);
  if (programCache.size > 1000) programCache.delete(programCache.keys().next().value!);
  return node;
}

// ---------------------------------------------------------------------------------------------
// Evaluation
type Env = Record<string, GuestValue>;
interface Scope { env: Env; ptr?: GuestValue; index?: number; ctx: CallContext; steps: { n: number } }

const MAX_RANGE = 1_000_000;

function kind(v: GuestValue | undefined): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string' || v instanceof Uint8Array) return 'string';
  if (Array.isArray(v)) return 'array';
  return 'map';
}

function str(v: GuestValue): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return toText(v);
  return null;
}

function numOf(v: GuestValue): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function arrOf(v: GuestValue | undefined, fn: string): GuestValue[] {
  if (Array.isArray(v)) return v;
  if (isPlainObject(v) && Object.keys(v).length === 0) return [];
  throw new ExprError(`${fn}: array expected, got ${kind(v)}`);
}

function truthy(v: GuestValue | undefined): boolean {
  return !(v === null || v === undefined || v === false);
}

function equal(a: GuestValue, b: GuestValue): boolean {
  const na = numOf(a), nb = numOf(b);
  if (na !== null && nb !== null) return na === nb;
  const sa = str(a), sb = str(b);
  if (sa !== null && sb !== null) return sa === sb;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  try {
    return encodeJson(a) === encodeJson(b);
  } catch {
    return false;
  }
}

function compare(op: string, a: GuestValue, b: GuestValue): boolean {
  const na = numOf(a), nb = numOf(b);
  let x: number | string, y: number | string;
  if (na !== null && nb !== null) { x = na; y = nb; }
  else {
    const sa = str(a), sb = str(b);
    if (sa === null || sb === null) throw new ExprError(`invalid operation: ${kind(a)} ${op} ${kind(b)}`);
    x = sa; y = sb;
  }
  switch (op) {
    case '<': return x < y;
    case '>': return x > y;
    case '<=': return x <= y;
    default: return x >= y;
  }
}

const regexCache = new Map<string, CompiledRe>();
function regex(p: string): RegExp {
  let c = regexCache.get(p);
  if (!c) {
    try {
      c = compileRe2(p);
    } catch (e) {
      throw new ExprError((e as Error).message);
    }
    if (regexCache.size > 200) regexCache.clear();
    regexCache.set(p, c);
  }
  const re = c.re;
  re.lastIndex = 0;
  return re;
}

function member(x: GuestValue | undefined, key: GuestValue, opt: boolean): GuestValue {
  if (x === null || x === undefined) {
    if (opt) return null;
    throw new ExprError(`cannot fetch ${JSON.stringify(key)} from nil`);
  }
  if (Array.isArray(x) || typeof x === 'string') {
    const n = numOf(key);
    if (n === null || !Number.isInteger(n)) throw new ExprError(`array index must be an integer, got ${kind(key)}`);
    const len = x.length;
    const i = n < 0 ? len + n : n;
    if (i < 0 || i >= len) throw new ExprError(`index out of range: ${n} (array of length ${len})`);
    return Array.isArray(x) ? x[i]! : [...x][i] ?? null;
  }
  if (isPlainObject(x)) {
    const k = typeof key === 'number' ? String(key) : str(key);
    if (k === null) throw new ExprError(`map key must be a string, got ${kind(key)}`);
    const v = Object.hasOwn(x, k) ? (x as Env)[k] : undefined;
    return v === undefined ? null : v;
  }
  throw new ExprError(`cannot fetch ${JSON.stringify(key)} from ${kind(x)}`);
}

function arith(op: string, a: GuestValue, b: GuestValue): GuestValue {
  const na = numOf(a), nb = numOf(b);
  if (op === '+') {
    const sa = str(a), sb = str(b);
    if (sa !== null && sb !== null) return sa + sb;
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
  }
  if (na === null || nb === null) throw new ExprError(`invalid operation: ${kind(a)} ${op} ${kind(b)}`);
  switch (op) {
    case '+': return na + nb;
    case '-': return na - nb;
    case '*': return na * nb;
    case '/': return na / nb;
    case '%':
      if (!Number.isInteger(na) || !Number.isInteger(nb)) throw new ExprError(`invalid operation: % needs integers`);
      if (nb === 0) throw new ExprError('integer divide by zero');
      return na % nb;
    default: return na ** nb;
  }
}

function tick(s: Scope): void {
  if (++s.steps.n % 1024 === 0 && Date.now() > s.ctx.deadline) throw new ModuleFailure('Timeout', 'expression evaluation exceeded the call deadline');
}

function ev(n: Node, s: Scope): GuestValue {
  tick(s);
  switch (n.k) {
    case 'lit': return n.v;
    case 'name':
      if (n.name === '#index') return s.index ?? null;
      return Object.hasOwn(s.env, n.name) ? s.env[n.name] ?? null : null;
    case 'ptr': {
      if (s.ptr === undefined) throw new ExprError('# used outside a closure');
      return n.field === null ? s.ptr : member(s.ptr, n.field, false);
    }
    case 'unary': {
      const v = ev(n.x, s);
      if (n.op === '!') return !truthy(v);
      const x = numOf(v);
      if (x === null) throw new ExprError(`invalid operation: ${n.op}${kind(v)}`);
      return n.op === '-' ? -x : x;
    }
    case 'cond': return truthy(ev(n.c, s)) ? ev(n.a, s) : ev(n.b, s);
    case 'bin': return binary(n.op, n.a, n.b, s);
    case 'member': return member(ev(n.x, s), ev(n.key, s), n.opt);
    case 'slice': {
      const x = ev(n.x, s);
      const seq = typeof x === 'string' ? [...x] : Array.isArray(x) ? x : null;
      if (!seq) throw new ExprError(`cannot slice ${kind(x)}`);
      const idx = (node: Node | null, dflt: number): number => {
        if (!node) return dflt;
        const v = numOf(ev(node, s));
        if (v === null || !Number.isInteger(v)) throw new ExprError('slice index must be an integer');
        const i = v < 0 ? seq.length + v : v;
        return Math.max(0, Math.min(seq.length, i));
      };
      const from = idx(n.from, 0), to = idx(n.to, seq.length);
      const part = seq.slice(from, Math.max(from, to));
      return typeof x === 'string' ? (part as string[]).join('') : part;
    }
    case 'array': return n.items.map((i) => ev(i, s));
    case 'map': {
      const out: Env = {};
      for (const [k, v] of n.entries) {
        const key = ev(k, s);
        out[typeof key === 'number' ? String(key) : str(key) ?? encodeJson(key)] = ev(v, s);
      }
      return out;
    }
    case 'closure': throw new ExprError('a closure can only be a predicate argument');
    case 'call': return callBuiltin(n.fn, n.args, s);
  }
}

function binary(op: string, an: Node, bn: Node, s: Scope): GuestValue {
  if (op === '&&' || op === 'and') return truthy(ev(an, s)) ? truthy(ev(bn, s)) : false;
  if (op === '||' || op === 'or') return truthy(ev(an, s)) ? true : truthy(ev(bn, s));
  if (op === '??') { const a = ev(an, s); return a === null ? ev(bn, s) : a; }
  if (op === '?:') { const a = ev(an, s); return truthy(a) ? a : ev(bn, s); }
  const a = ev(an, s), b = ev(bn, s);
  switch (op) {
    case '==': return equal(a, b);
    case '!=': return !equal(a, b);
    case '<': case '>': case '<=': case '>=': return compare(op, a, b);
    case 'in': {
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (isPlainObject(b)) { const k = typeof a === 'number' ? String(a) : str(a); return k !== null && Object.hasOwn(b, k); }
      if (b === null) return false;
      throw new ExprError(`invalid operation: in ${kind(b)}`);
    }
    case 'contains': case 'startsWith': case 'endsWith': case 'matches': {
      const sa = str(a), sb = str(b);
      if (sa === null || sb === null) throw new ExprError(`invalid operation: ${kind(a)} ${op} ${kind(b)}`);
      if (op === 'contains') return sa.includes(sb);
      if (op === 'startsWith') return sa.startsWith(sb);
      if (op === 'endsWith') return sa.endsWith(sb);
      return regex(sb).test(sa);
    }
    case '..': {
      const x = numOf(a), y = numOf(b);
      if (x === null || y === null || !Number.isInteger(x) || !Number.isInteger(y)) throw new ExprError('range bounds must be integers');
      if (y - x + 1 > MAX_RANGE) throw new ExprError(`range too large (max ${MAX_RANGE} elements)`);
      const out: number[] = [];
      for (let i = x; i <= y; i++) out.push(i);
      return out;
    }
    default: return arith(op, a, b);
  }
}

function numArg(v: GuestValue, fn: string): number {
  const n = numOf(v);
  if (n === null) throw new ExprError(`${fn}: number expected, got ${kind(v)}`);
  return n;
}

function strArg(v: GuestValue, fn: string): string {
  const x = str(v);
  if (x === null) throw new ExprError(`${fn}: string expected, got ${kind(v)}`);
  return x;
}

function numbers(args: GuestValue[], fn: string): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  return list.map((v) => numArg(v, fn));
}

function callBuiltin(fn: string, argNodes: Node[], s: Scope): GuestValue {
  if (PREDICATES.has(fn) && argNodes.length >= 2 && argNodes[1]!.k === 'closure') {
    const arr = arrOf(ev(argNodes[0]!, s), fn);
    const body = (argNodes[1] as { body: Node }).body;
    const run = (item: GuestValue, index: number): GuestValue => ev(body, { ...s, ptr: item, index });
    switch (fn) {
      case 'all': return arr.every((x, i) => truthy(run(x, i)));
      case 'any': return arr.some((x, i) => truthy(run(x, i)));
      case 'none': return !arr.some((x, i) => truthy(run(x, i)));
      case 'one': return arr.filter((x, i) => truthy(run(x, i))).length === 1;
      case 'filter': return arr.filter((x, i) => truthy(run(x, i)));
      case 'map': return arr.map((x, i) => run(x, i));
      case 'count': return arr.filter((x, i) => truthy(run(x, i))).length;
      case 'find': { const i = arr.findIndex((x, j) => truthy(run(x, j))); return i < 0 ? null : arr[i]!; }
      case 'findIndex': return arr.findIndex((x, i) => truthy(run(x, i)));
      case 'findLast': { for (let i = arr.length - 1; i >= 0; i--) if (truthy(run(arr[i]!, i))) return arr[i]!; return null; }
      case 'findLastIndex': { for (let i = arr.length - 1; i >= 0; i--) if (truthy(run(arr[i]!, i))) return i; return -1; }
      case 'sum': return arr.reduce<number>((acc, x, i) => acc + numArg(run(x, i), 'sum'), 0);
      case 'groupBy': {
        const out: Env = {};
        arr.forEach((x, i) => {
          const k = run(x, i);
          const key = typeof k === 'number' ? String(k) : str(k) ?? String(k);
          ((out[key] ??= []) as GuestValue[]).push(x);
        });
        return out;
      }
      case 'sortBy': {
        const desc = argNodes[2] ? strArg(ev(argNodes[2], s), 'sortBy') === 'desc' : false;
        const keyed = arr.map((x, i) => ({ x, k: run(x, i) }));
        keyed.sort((p, q) => (equal(p.k, q.k) ? 0 : compare('<', p.k, q.k) ? -1 : 1) * (desc ? -1 : 1));
        return keyed.map((p) => p.x);
      }
      default: break;
    }
  }
  const args = argNodes.map((a) => (a.k === 'closure' ? (() => { throw new ExprError(`${fn}: unexpected closure`); })() : ev(a, s)));
  const need = (n: number): void => {
    if (args.length < n) throw new ExprError(`${fn}: expected ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
  };
  switch (fn) {
    case 'len': {
      need(1);
      const v = args[0]!;
      if (typeof v === 'string') return [...v].length;
      if (v instanceof Uint8Array) return v.length;
      if (Array.isArray(v)) return v.length;
      if (isPlainObject(v)) return Object.keys(v).length;
      throw new ExprError(`len: invalid argument ${kind(v)}`);
    }
    case 'upper': need(1); return strArg(args[0]!, fn).toUpperCase();
    case 'lower': need(1); return strArg(args[0]!, fn).toLowerCase();
    case 'trim': need(1); return args[1] === undefined ? strArg(args[0]!, fn).trim() : trimChars(strArg(args[0]!, fn), strArg(args[1]!, fn), true, true);
    case 'trimPrefix': need(2); { const x = strArg(args[0]!, fn), p = strArg(args[1]!, fn); return x.startsWith(p) ? x.slice(p.length) : x; }
    case 'trimSuffix': need(2); { const x = strArg(args[0]!, fn), p = strArg(args[1]!, fn); return p && x.endsWith(p) ? x.slice(0, x.length - p.length) : x; }
    case 'split': need(2); { const x = strArg(args[0]!, fn), sep = strArg(args[1]!, fn); return sep === '' ? [...x] : x.split(sep); }
    case 'join': need(1); return arrOf(args[0], fn).map((v) => str(v) ?? toString(v)).join(args[1] === undefined ? '' : strArg(args[1]!, fn));
    case 'replace': need(3); return strArg(args[0]!, fn).split(strArg(args[1]!, fn)).join(strArg(args[2]!, fn));
    case 'repeat': need(2); { const n = numArg(args[1]!, fn); if (n < 0 || n > 1e6) throw new ExprError('repeat: bad count'); return strArg(args[0]!, fn).repeat(n); }
    case 'indexOf': need(2); return strArg(args[0]!, fn).indexOf(strArg(args[1]!, fn));
    case 'hasPrefix': need(2); return strArg(args[0]!, fn).startsWith(strArg(args[1]!, fn));
    case 'hasSuffix': need(2); return strArg(args[0]!, fn).endsWith(strArg(args[1]!, fn));
    case 'max': case 'min': {
      need(1);
      const ns = numbers(args, fn);
      if (ns.length === 0) throw new ExprError(`${fn}: no values`);
      return fn === 'max' ? Math.max(...ns) : Math.min(...ns);
    }
    case 'sum': need(1); return numbers(args, fn).reduce((a, b) => a + b, 0);
    case 'mean': { need(1); const ns = numbers(args, fn); return ns.length ? ns.reduce((a, b) => a + b, 0) / ns.length : 0; }
    case 'abs': need(1); return Math.abs(numArg(args[0]!, fn));
    case 'ceil': need(1); return Math.ceil(numArg(args[0]!, fn));
    case 'floor': need(1); return Math.floor(numArg(args[0]!, fn));
    case 'round': need(1); { const x = numArg(args[0]!, fn); return Math.sign(x) * Math.round(Math.abs(x)); }
    case 'int': {
      need(1);
      const v = args[0]!;
      const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'boolean' ? Number(v) : numOf(v);
      if (n === null || !Number.isFinite(n) || (typeof v === 'string' && !/^\s*[-+]?\d+\s*$/.test(v))) throw new ExprError(`int: cannot convert ${JSON.stringify(v)}`);
      return Math.trunc(n);
    }
    case 'float': {
      need(1);
      const v = args[0]!;
      const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : numOf(v);
      if (n === null || Number.isNaN(n)) throw new ExprError(`float: cannot convert ${JSON.stringify(v)}`);
      return n;
    }
    case 'string': need(1); return toString(args[0]!);
    case 'type': need(1); return kind(args[0]);
    case 'keys': need(1); if (!isPlainObject(args[0])) throw new ExprError('keys: map expected'); return Object.keys(args[0]).sort();
    case 'values': need(1); if (!isPlainObject(args[0])) throw new ExprError('values: map expected'); return Object.keys(args[0]).sort().map((k) => (args[0] as Env)[k]!);
    case 'first': need(1); { const a = arrOf(args[0], fn); return a.length ? a[0]! : null; }
    case 'last': need(1); { const a = arrOf(args[0], fn); return a.length ? a[a.length - 1]! : null; }
    case 'reverse': need(1); return [...arrOf(args[0], fn)].reverse();
    case 'uniq': need(1); { const out: GuestValue[] = []; for (const x of arrOf(args[0], fn)) if (!out.some((y) => equal(x, y))) out.push(x); return out; }
    case 'sort': {
      need(1);
      const desc = args[1] !== undefined && strArg(args[1]!, fn) === 'desc';
      return [...arrOf(args[0], fn)].sort((p, q) => (equal(p, q) ? 0 : compare('<', p, q) ? -1 : 1) * (desc ? -1 : 1));
    }
    case 'concat': return args.flatMap((a) => arrOf(a, fn));
    case 'flatten': need(1); return arrOf(args[0], fn).flatMap((x) => (Array.isArray(x) ? x : [x]));
    case 'toJSON': need(1); return encodeJson(args[0]!);
    case 'fromJSON': need(1); try { return JSON.parse(strArg(args[0]!, fn)) as GuestValue; } catch { throw new ExprError('fromJSON: invalid JSON'); }
    default: throw new ExprError(`unknown function ${fn}()`);
  }
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set([...chars]);
  const a = [...s];
  let i = 0, j = a.length;
  while (left && i < j && set.has(a[i]!)) i++;
  while (right && j > i && set.has(a[j - 1]!)) j--;
  return a.slice(i, j).join('');
}

function toString(v: GuestValue): string {
  if (v === null) return 'nil';
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return toText(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  try {
    return encodeJson(v);
  } catch {
    return String(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Module
function readEnv(v: GuestValue | undefined): Env {
  if (v === null || v === undefined) return {};
  if (isPlainObject(v)) return v as Env;
  if (Array.isArray(v) && v.length === 0) return {};
  throw new ArgumentFailure(`env: table expected, got ${typeName(v)}`);
}

function compileOrFail(source: GuestValue | undefined): { src: string; node: Node } {
  const src = toText(source ?? null, 'expression');
  if (src.trim() === '') throw new ModuleFailure('Invalid', 'empty expression');
  try {
    return { src, node: compileExpr(src) };
  } catch (e) {
    if (e instanceof ExprError) throw new ModuleFailure('Internal', `compile error: ${e.message}`);
    throw e;
  }
}

function runNode(ctx: CallContext, node: Node, env: Env): GuestValue {
  try {
    const v = ev(node, { env, ctx, steps: { n: 0 } });
    return v === undefined ? null : v;
  } catch (e) {
    if (e instanceof ExprError) throw new ModuleFailure('Internal', e.message);
    if (e instanceof RangeError) throw new ModuleFailure('Internal', `evaluation failed: ${e.message}`);
    throw e;
  }
}

export const exprModule: ModuleSpec = {
  name: 'expr',
  summary: 'Evaluate expr-lang expressions (arithmetic, comparisons, logic, ternary, in/contains/matches, ranges, builtins, predicate closures) over an env table.',
  functions: {
    eval: (ctx, source, env) => {
      const { node } = compileOrFail(source);
      return runNode(ctx, node, readEnv(env));
    },
    compile: (_ctx, source) => {
      const { src } = compileOrFail(source);
      return { __type: 'expr.Program', source: src };
    },
  },
  types: {
    'expr.Program': {
      methods: {
        run: (ctx, self, env) => {
          if (typeof self !== 'object' || self === null || (self as TypedValue).__type !== 'expr.Program' || typeof (self as TypedValue).source !== 'string') {
            throw new ArgumentFailure(`self: expr.Program expected, got ${typeName(self ?? null)}`);
          }
          const { node } = compileOrFail((self as TypedValue).source);
          return runNode(ctx, node, readEnv(env));
        },
      },
    },
  },
};
