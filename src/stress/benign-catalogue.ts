// The benign tools of the stress test, in Lua and JavaScript: arithmetic, a json round trip, string work
// and a hash module call, each with random input and the exact value it must return.
import { createHash } from 'node:crypto';
import type { BenignCase, Rng } from './stress-types.js';

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];

function words(rng: Rng, n: number): string[] {
  return Array.from({ length: n }, () => rng.pick(WORDS));
}

function sumTo(input: unknown): number {
  const n = (input as { n: number }).n;
  return (n * (n + 1)) / 2;
}

function stringWork(input: unknown): { upper_reversed: string; vowels: number } {
  const s = (input as { s: string }).s;
  return { upper_reversed: [...s.toUpperCase()].reverse().join(''), vowels: (s.match(/[aeiou]/g) ?? []).length };
}

function sha256(input: unknown): string {
  return createHash('sha256').update((input as { s: string }).s).digest('hex');
}

const arithInput = (rng: Rng): unknown => ({ n: rng.int(1, 2000) });
const jsonInput = (rng: Rng): unknown => ({ name: rng.pick(WORDS), tags: words(rng, rng.int(1, 5)), n: rng.int(0, 1_000_000), nested: { ok: true } });
const textInput = (rng: Rng): unknown => ({ s: words(rng, rng.int(1, 8)).join(' ') });

export const BENIGN_CASES: readonly BenignCase[] = [
  {
    name: 'lua-arithmetic',
    engine: 'lua',
    modules: [],
    source: `return { handler = function(input)
  local s = 0
  for i = 1, input.n do s = s + i end
  return s
end }`,
    input: arithInput,
    expected: sumTo,
  },
  {
    name: 'lua-json-round-trip',
    engine: 'lua',
    modules: ['json'],
    source: `local json = require("json")
return { handler = function(input)
  local text, err = json.encode(input)
  if err then return nil, err end
  local back, derr = json.decode(text)
  if derr then return nil, derr end
  return back
end }`,
    input: jsonInput,
    expected: (input) => input,
  },
  {
    // Also proves no global or library poisoning from a hostile call leaked into this call.
    name: 'lua-string-work',
    engine: 'lua',
    modules: [],
    source: `return { handler = function(input)
  if __stress_leak ~= nil or string.upper("a") ~= "A" then error("poisoned environment") end
  local _, vowels = string.gsub(input.s, "[aeiou]", "")
  return { upper_reversed = string.upper(input.s):reverse(), vowels = vowels }
end }`,
    input: textInput,
    expected: stringWork,
  },
  {
    name: 'lua-hash-module',
    engine: 'lua',
    modules: ['hash'],
    source: `local hash = require("hash")
return { handler = function(input)
  local h, err = hash.sha256(input.s)
  if err then return nil, err end
  return h
end }`,
    input: textInput,
    expected: sha256,
  },
  {
    name: 'js-arithmetic',
    engine: 'js',
    modules: [],
    source: `export function handler(input) {
  let s = 0;
  for (let i = 1; i <= input.n; i++) s += i;
  return s;
}`,
    input: arithInput,
    expected: sumTo,
  },
  {
    name: 'js-json-round-trip',
    engine: 'js',
    modules: ['json'],
    source: `const json = require("json");
export function handler(input) {
  return json.decode(JSON.stringify(JSON.parse(json.encode(input))));
}`,
    input: jsonInput,
    expected: (input) => input,
  },
  {
    // Also proves no pollution from a hostile call leaked into this call's realm.
    name: 'js-string-work',
    engine: 'js',
    modules: [],
    source: `export function handler(input) {
  if (({}).__stress_polluted !== undefined || [1].map((x) => x + 1)[0] !== 2) throw new Error("polluted realm");
  return { upper_reversed: [...input.s.toUpperCase()].reverse().join(""), vowels: (input.s.match(/[aeiou]/g) || []).length };
}`,
    input: textInput,
    expected: stringWork,
  },
  {
    name: 'js-hash-module',
    engine: 'js',
    modules: ['hash'],
    source: `const hash = require("hash");
export function handler(input) {
  return hash.sha256(input.s);
}`,
    input: textInput,
    expected: sha256,
  },
];
