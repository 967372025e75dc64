// Tests for the expr module: precedence, float division, logic words, membership and string operators,
// ranges, member access incl. ?., literals, builtins, predicate closures, and error kinds.
import { describe, expect, it } from 'vitest';
import { exprModule as expr } from '../../src/modules/expr.js';
import { ModuleFailure } from '../../src/modules/module-spec.js';
import { call, method } from './context.js';

const ev = (s: string, env?: any): any => call(expr, 'eval', s, env ?? null);

describe('expr operators', () => {
  it('follows expr-lang precedence', () => {
    expect(ev('1 + 2 * 3')).toBe(7);
    expect(ev('(1 + 2) * 3')).toBe(9);
    expect(ev('2 ** 3 ** 2')).toBe(512);
    expect(ev('-2 ** 2')).toBe(-4);
    expect(ev('10 % 4 + 1')).toBe(3);
    expect(ev('7 / 2')).toBe(3.5);
    expect(ev('1 < 2 && 3 > 4 || true')).toBe(true);
    expect(ev('not true or 1 == 1 and false')).toBe(false);
    expect(ev('!false')).toBe(true);
    expect(ev('x > 5 ? "big" : "small"', { x: 7 })).toBe('big');
    expect(ev('a ?? "default"', { a: null })).toBe('default');
  });
  it('membership, string operators and ranges', () => {
    expect(ev('2 in [1, 2, 3]')).toBe(true);
    expect(ev('"k" in {k: 1}')).toBe(true);
    expect(ev('4 not in 1..3')).toBe(true);
    expect(ev('1..4')).toEqual([1, 2, 3, 4]);
    expect(ev('name contains "ob" and name startsWith "b" and name endsWith "b"', { name: 'bob' })).toBe(true);
    expect(ev('email matches "^[a-z]+@[a-z]+\\\\.com$"', { email: 'bob@ex.com' })).toBe(true);
    expect(ev('"a" + "b" == "ab"')).toBe(true);
  });
  it('member and index access with optional chaining and slices', () => {
    const env = { user: { name: 'Ann', tags: ['x', 'y', 'z'] }, none: null };
    expect(ev('user.name', env)).toBe('Ann');
    expect(ev('user["name"]', env)).toBe('Ann');
    expect(ev('user.tags[0] + user.tags[-1]', env)).toBe('xz');
    expect(ev('user.tags[1:]', env)).toEqual(['y', 'z']);
    expect(ev('none?.field', env)).toBeNull();
    expect(ev('user.missing', env)).toBeNull();
    expect(() => ev('none.field', env)).toThrow(expect.objectContaining({ kind: 'Internal' }));
    expect(ev('{a: 1, "b": [1, 2]}')).toEqual({ a: 1, b: [1, 2] });
  });
});

describe('expr builtins and closures', () => {
  const items = [{ name: 'a', price: 10 }, { name: 'b', price: 0 }, { name: 'c', price: 5 }];
  it('predicates with # and .field', () => {
    expect(ev('all(xs, {# > 0})', { xs: [1, 2, 3] })).toBe(true);
    expect(ev('any(xs, {# > 2})', { xs: [1, 2, 3] })).toBe(true);
    expect(ev('none(xs, {# > 3})', { xs: [1, 2, 3] })).toBe(true);
    expect(ev('one(xs, {# == 2})', { xs: [1, 2, 3] })).toBe(true);
    expect(ev('filter(items, {.price > 0})', { items })).toEqual([items[0], items[2]]);
    expect(ev('map(items, {.name})', { items })).toEqual(['a', 'b', 'c']);
    expect(ev('count(items, {.price >= 5})', { items })).toBe(2);
    expect(ev('sum(map(items, {.price}))', { items })).toBe(15);
    expect(ev('map(1..3, {# * 2})')).toEqual([2, 4, 6]);
  });
  it('string and number builtins', () => {
    expect(ev('len("héllo") + len([1,2]) + len({a: 1})')).toBe(8);
    expect(ev('upper(trim("  hi  ")) + lower("X")')).toBe('HIx');
    expect(ev('join(split("a,b,c", ","), "-")')).toBe('a-b-c');
    expect(ev('max(1, 5, 3) + min([4, 2]) + abs(-1)')).toBe(8);
    expect(ev('[ceil(1.2), floor(1.8), round(2.5), round(-2.5)]')).toEqual([2, 1, 3, -3]);
    expect(ev('int("42") + int(3.9) + float("0.5")')).toBe(45.5);
    expect(ev('string(12) + type(1) + type(1.5) + type("s") + type(nil) + type([]) + type({})')).toBe('12intfloatstringnilarraymap');
  });
});

describe('expr errors and programs', () => {
  it('empty is Invalid, syntax and evaluation errors are Internal', () => {
    const kind = (s: string): string => {
      try {
        ev(s);
      } catch (e) {
        return (e as ModuleFailure).kind;
      }
      return 'ok';
    };
    expect(kind('  ')).toBe('Invalid');
    expect(kind('1 +')).toBe('Internal');
    expect(kind('(1')).toBe('Internal');
    expect(kind('"a" - 1')).toBe('Internal');
    expect(kind('nope(1)')).toBe('Internal');
    expect(kind('1 % 0')).toBe('Internal');
  });
  it('compile once, run with different envs', () => {
    const prog = call(expr, 'compile', 'price * qty');
    expect(method(expr, prog, 'run', { price: 2.5, qty: 4 })).toBe(10);
    expect(method(expr, prog, 'run', { price: 1, qty: 3 })).toBe(3);
  });
});
