// The schema check a tool call's arguments pass before the tool runs: messages that name each wrong field,
// schemas it cannot use left unchecked, and no model-written regular expression matched in the agent's thread.
import { describe, expect, it } from 'vitest';
import { inputCheck, inputProblems, MAX_LISTED_PROBLEMS, valueProblems } from '../../src/agent/tool-input-check.js';

const schema = {
  type: 'object',
  properties: {
    a: { type: 'number' },
    lang: { type: 'string', enum: ['lua', 'js'] },
    tags: { type: 'array', items: { type: 'string' } },
    opts: { type: 'object', properties: { depth: { type: 'integer', minimum: 1 } }, required: ['depth'] },
  },
  required: ['a'],
  additionalProperties: false,
};

describe('tool input check', () => {
  it('passes arguments that fit, and names the tool, each wrong field and the repair when they do not', () => {
    const check = inputCheck('calc', schema);
    expect(check({ a: 1, lang: 'js', tags: ['x'], opts: { depth: 2 } })).toBeUndefined();
    const message = check({ lang: 'py', tags: ['x', 3], opts: { depth: 0 }, extra: true })!;
    expect(message).toMatch(/^Arguments for tool "calc" do not match its input schema: /);
    expect(message).toContain('missing required property "a"');
    expect(message).toContain('lang must be one of ["lua","js"], got "py"');
    expect(message).toContain('tags[1] must be string, got integer 3');
    expect(message).toContain('opts.depth: 0 is less than 1');
    expect(message).toContain('unexpected property "extra"');
    expect(message).toContain('call calc again with arguments that match its schema');
    // summaries ("Property ... does not match schema") are not repeated beside their leaves
    expect(message).not.toContain('does not match schema');
    expect(message).not.toContain('False boolean schema');
  });

  it('tells a value that fails additionalProperties {schema} by what is wrong with it, not as unexpected', () => {
    const check = inputCheck('env', { type: 'object', properties: { a: { type: 'number' } }, additionalProperties: { type: 'string' } });
    expect(check({ a: 1, label: 'ok' })).toBeUndefined();
    const message = check({ a: 1, 'x/y': 5 })!;
    expect(message).toContain('x/y must be string, got integer 5');
    expect(message).not.toContain('unexpected');
  });

  it('reads a whole input value as a call would send it (nothing and [] are {}, a scalar is one problem)', () => {
    const problems = inputProblems('t', { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] });
    expect(valueProblems(problems, null)).toEqual(['missing required property "a"']);
    expect(valueProblems(problems, [])).toEqual(['missing required property "a"']);
    expect(valueProblems(problems, 'a')).toEqual(['the input must be an object, got string']);
    expect(valueProblems(problems, [1])).toEqual(['the input must be an object, got an array']);
    expect(valueProblems(problems, { a: 2 })).toEqual([]);
  });

  it('words const, a union of types and property counts by what the schema asks, without stray periods', () => {
    const check = inputCheck('t', {
      type: 'object',
      properties: { mode: { const: 'fast' }, label: { type: ['string', 'null'] }, opts: { type: 'object', maxProperties: 1 }, n: { maximum: 10 } },
    });
    const message = check({ mode: 'slow', label: 5, opts: { a: 1, b: 2 }, n: 11 })!;
    expect(message).toContain('mode must be "fast", got "slow"');
    expect(message).toContain('label must be string or null, got integer 5');
    expect(message).toContain('opts must have at most 1 properties, got 2');
    expect(message).toContain('n: 11 is greater than 10');
    expect(message).not.toMatch(/\.[;.]/);
  });

  it('takes a null the schema refuses as the field left out (strict-mode habit), but not for a required field', () => {
    const check = inputCheck('list', { type: 'object', properties: { namespace: { type: 'string' }, query: { type: 'string' }, opts: { type: 'object', properties: { depth: { type: 'integer' } } } }, required: ['query'], additionalProperties: false });
    expect(check({ namespace: null, query: 'time', opts: { depth: null } })).toBeUndefined();
    expect(check({ namespace: null, query: null })).toContain('missing required property "query"');
    // a null the schema allows is kept as it is
    expect(inputCheck('n', { type: 'object', properties: { v: { type: ['string', 'null'] } }, required: ['v'] })({ v: null })).toBeUndefined();
  });

  it('reports a set of alternatives once, not every branch as if all were required', () => {
    const check = inputCheck('doc', { type: 'object', properties: { path: { type: 'string' }, query: { type: 'string' } }, anyOf: [{ required: ['path'] }, { required: ['query'] }] });
    const message = check({})!;
    expect(message).toContain('arguments matches none of the alternatives the schema allows (anyOf)');
    expect(message).not.toContain('required property');
    expect(check({ query: 'x' })).toBeUndefined();
  });

  it('lists at most MAX_LISTED_PROBLEMS problems and counts the rest', () => {
    const properties = Object.fromEntries(Array.from({ length: MAX_LISTED_PROBLEMS + 3 }, (_, i) => [`f${i}`, { type: 'string' }]));
    const check = inputCheck('many', { type: 'object', properties });
    const message = check(Object.fromEntries(Object.keys(properties).map((k) => [k, 1])))!;
    expect(message.match(/must be string/g)).toHaveLength(MAX_LISTED_PROBLEMS);
    expect(message).toContain('(and 3 more)');
  });

  it('never matches a model-written pattern in-thread: a catastrophic one returns at once, unchecked', () => {
    // (a+)+$ against 40 a's and a "!" backtracks for hours if it is ever run.
    const check = inputCheck('redos', { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } }, patternProperties: { '^(x+)+$': { type: 'string' } }, additionalProperties: false });
    const started = Date.now();
    expect(check({ s: `${'a'.repeat(40)}!` })).toBeUndefined();
    // patternProperties dropped with the additionalProperties beside it: a key it would admit is not refused
    expect(check({ [`${'x'.repeat(40)}!`]: 'v' })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('never does unbounded work in the agent thread: shared $refs 30 deep, uniqueItems, a big schema on a big input', () => {
    // allOf over two uses of the next definition, 30 levels: 2^30 visits if it were validated
    const defs: Record<string, unknown> = { d30: { type: 'string' } };
    for (let i = 0; i < 30; i++) defs[`d${i}`] = { allOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const started = Date.now();
    expect(inputCheck('exp', { type: 'object', $defs: defs, properties: { a: { $ref: '#/$defs/d0' } } })({ a: 'x' })).toBeUndefined();
    // pairwise comparison of 20,000 items (26 s here when checked) is left to the tool
    const unique = inputCheck('uniq', { type: 'object', properties: { a: { type: 'array', uniqueItems: true, items: { type: 'object' } } } });
    expect(unique({ a: Array.from({ length: 20_000 }, () => ({ k: 1 })) })).toBeUndefined();
    // a schema of ~1,000 nodes on 10,000 values is past the work budget: unchecked, however wrong
    const item = { type: 'object', properties: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`p${i}`, { type: 'string' }])) };
    const big = inputCheck('big', { type: 'object', properties: { a: { type: 'array', items: item } } });
    expect(big({ a: Array.from({ length: 10 }, () => ({ p0: 5 })) })).toContain('a[0].p0 must be string');
    expect(big({ a: Array.from({ length: 10_000 }, () => ({ p0: 5 })) })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('checks local $refs (definitions used once or a few times) and leaves a recursive one unchecked', () => {
    const check = inputCheck('defs', {
      type: 'object',
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
      properties: { from: { $ref: '#/$defs/point' }, to: { $ref: '#/$defs/point' } },
    });
    expect(check({ from: { x: 1 }, to: { x: 2 } })).toBeUndefined();
    expect(check({ from: { x: 1 }, to: {} })).toContain('to: missing required property "x"');
    const tree = inputCheck('tree', { type: 'object', properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#' } } } });
    expect(tree({ name: 5, children: [{ name: 6 }] })).toBeUndefined();
  });

  it('still checks a property that happens to be named "pattern"', () => {
    const check = inputCheck('grep', { type: 'object', properties: { pattern: { type: 'string' } }, required: ['pattern'] });
    expect(check({ pattern: 'a.*b' })).toBeUndefined();
    expect(check({ pattern: 7 })).toContain('pattern must be string, got integer 7');
    expect(check({})).toContain('missing required property "pattern"');
  });

  it('leaves arguments unchecked when the schema cannot be used (a remote $ref, nesting past 64 levels)', () => {
    expect(inputCheck('remote', { type: 'object', properties: { p: { $ref: 'https://example.com/s.json' } } })({ p: 1 })).toBeUndefined();
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 100; i++) deep = { type: 'object', properties: { n: deep } };
    expect(inputCheck('deep', deep)({ n: 5 })).toBeUndefined();
  });

  it('does not check the ignored keys (the placeholder offered to a tool without properties)', () => {
    const check = inputCheck('noargs', { type: 'object', additionalProperties: false }, ['placeholder']);
    expect(check({ placeholder: {} })).toBeUndefined();
    expect(check({ placeholder: null })).toBeUndefined();
    expect(check({ other: 1 })).toContain('unexpected property "other"');
  });

  it('reads the draft from $schema (draft-04 boolean exclusiveMinimum)', () => {
    const check = inputCheck('d4', { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } } });
    expect(check({ n: 1 })).toBeUndefined();
    expect(check({ n: 0 })).toContain('n:');
  });
});
