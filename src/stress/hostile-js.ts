// Hostile JavaScript (QuickJS) tools of the stress test by class: runaway loops, memory bombs, deep
// recursion, huge output and escape attempts, each with its contained kinds and what an escape returns.
import { foundNames, ssrfCases, type CaseDraft } from './hostile-shared.js';
import type { HostileCase } from './stress-types.js';

function handler(body: string): string {
  return `export function handler(input) {\n${body}\n}`;
}

const LOOP = ['Timeout', 'InstructionLimit'] as const;

/** Host objects a tool's realm must not have; the probes return the ones they can see. */
const HOST_NAMES = JSON.stringify([
  'process', 'std', 'os', 'scriptArgs', '__host', 'Atomics', 'SharedArrayBuffer', 'Deno', 'Bun', 'global',
  'fetch', 'XMLHttpRequest', 'WebAssembly', 'importScripts',
]);

/** Body that inspects the global object `g` and returns the host names it exposes. */
function probeGlobal(getGlobal: string): string {
  return handler(`const g = ${getGlobal};
const found = ${HOST_NAMES}.filter((name) => g[name] !== undefined);
if (g !== globalThis) found.push("a global object other than the sandbox's");
return found;`);
}

/** The console flood may finish, but only with its captured output held to the cap (plus a truncation note). */
function consoleWithinCap(_value: unknown, logs: readonly string[], limits: { outputBytes: number }): string | undefined {
  const bytes = logs.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
  const slack = 1024;
  return bytes <= limits.outputBytes + slack ? undefined : `captured ${bytes} bytes of console output past a ${limits.outputBytes}-byte cap`;
}

const drafts: readonly CaseDraft[] = [
  // --- infinite loops --------------------------------------------------------------------------
  { name: 'js-plain-loop', hostileClass: 'infinite-loop', source: handler('while (true) {}'), contained: LOOP },
  {
    name: 'js-try-wrapped-loop',
    hostileClass: 'infinite-loop',
    source: handler('while (true) { try { while (true) {} } catch (e) {} finally { continue; } }'),
    contained: LOOP,
  },
  {
    name: 'js-regex-backtracking',
    hostileClass: 'infinite-loop',
    source: handler('return /(a+)+$/.test("a".repeat(40) + "b")'),
    contained: LOOP,
  },
  // --- memory bombs: bounded (40-64 MB) so a broken cap lets them finish --------------------------
  {
    name: 'js-string-doubling',
    hostileClass: 'memory-bomb',
    source: handler('let s = "x";\nfor (let i = 0; i < 26; i++) { s += s; s.charCodeAt(s.length - 1); }\nreturn s.length;'),
    contained: ['MemoryLimit'],
  },
  {
    name: 'js-array-growth',
    hostileClass: 'memory-bomb',
    source: handler('const a = [];\nfor (let i = 0; i < 3000000; i++) a[i] = i;\nreturn a.length;'),
    contained: ['MemoryLimit'],
  },
  {
    name: 'js-arraybuffer-48mb',
    hostileClass: 'memory-bomb',
    source: handler('return new Uint8Array(48 * 1024 * 1024).fill(7).length;'),
    contained: ['MemoryLimit'],
  },
  {
    // 50 000 live 2 KB buffers (100 MB): a cap that only checks single allocations would let this through.
    name: 'js-many-small-buffers',
    hostileClass: 'memory-bomb',
    source: handler('const a = [];\nfor (let i = 0; i < 50000; i++) a.push(new Uint8Array(2000));\nreturn a.length;'),
    contained: ['MemoryLimit'],
  },
  // --- deep recursion ---------------------------------------------------------------------------
  {
    name: 'js-unbounded-recursion',
    hostileClass: 'deep-recursion',
    source: handler('function f(n) { return f(n + 1) + 1 }\nreturn f(0);'),
    contained: ['StackOverflow'],
  },
  {
    name: 'js-getter-recursion',
    hostileClass: 'deep-recursion',
    source: handler('const o = { get a() { return this.b }, get b() { return this.a } };\nreturn o.a;'),
    contained: ['StackOverflow'],
  },
  {
    // Catching every overflow and recursing again only ends at the deadline.
    name: 'js-try-wrapped-recursion',
    hostileClass: 'deep-recursion',
    source: handler('function f() { return f() }\nfor (;;) { try { f() } catch (e) {} }'),
    limits: { timeoutMs: 300 },
    contained: ['StackOverflow', 'Timeout', 'InstructionLimit'],
  },
  // --- huge output ------------------------------------------------------------------------------
  { name: 'js-huge-string-result', hostileClass: 'huge-output', source: handler('return "x".repeat(2 * 1024 * 1024);'), contained: ['OutputLimit'] },
  {
    name: 'js-huge-array-result',
    hostileClass: 'huge-output',
    source: handler('return Array.from({ length: 100000 }, (_, i) => i);'),
    contained: ['OutputLimit'],
  },
  {
    name: 'js-console-flood',
    hostileClass: 'huge-output',
    source: handler('for (let i = 0; i < 100000; i++) console.log("p".repeat(100));\nreturn "done";'),
    contained: ['OutputLimit'],
    escapeProof: consoleWithinCap,
  },
  // --- escape attempts --------------------------------------------------------------------------
  { name: 'js-function-constructor', hostileClass: 'escape', source: probeGlobal('Function("return this")()'), contained: [], escapeProof: foundNames },
  { name: 'js-indirect-eval', hostileClass: 'escape', source: probeGlobal('(0, eval)("this")'), contained: [], escapeProof: foundNames },
  {
    name: 'js-constructor-chain-from-module',
    hostileClass: 'escape',
    modules: ['json'],
    source: probeGlobal('require("json").encode.constructor.constructor("return globalThis")()'),
    contained: [],
    escapeProof: foundNames,
  },
  {
    name: 'js-globalthis-own-names',
    hostileClass: 'escape',
    source: handler(`const names = Object.getOwnPropertyNames(globalThis);
return ${HOST_NAMES}.filter((name) => names.includes(name));`),
    contained: [],
    escapeProof: foundNames,
  },
  {
    name: 'js-prototype-pollution',
    hostileClass: 'escape',
    source: handler(`if (({}).__stress_polluted !== undefined) return { leaked_from_an_earlier_call: ({}).__stress_polluted };
Object.prototype.__stress_polluted = "yes";
Array.prototype.map = function () { return ["evil"]; };
Function.prototype.call = function () { return "evil"; };
JSON.stringify = function () { return '"forged"'; };
throw new Error("polluted this realm");`),
    contained: ['RuntimeError'],
  },
  {
    name: 'js-dynamic-import',
    hostileClass: 'escape',
    source: 'export async function handler() {\n  const fs = await import("fs");\n  return fs.readFileSync("/etc/hostname", "utf8");\n}',
    contained: ['ModuleNotFound'],
  },
  {
    name: 'js-static-import',
    hostileClass: 'escape',
    source: 'import * as os from "os";\nexport function handler() {\n  return Object.keys(os);\n}',
    contained: ['ModuleNotFound', 'CompileError'],
  },
  {
    name: 'js-require-fs',
    hostileClass: 'escape',
    source: handler('return require("fs").readFileSync("/etc/hostname", "utf8");'),
    contained: ['ModuleNotFound'],
  },
  {
    name: 'js-require-ungranted-module',
    hostileClass: 'escape',
    modules: ['json'],
    source: handler('return "got http_client." + typeof require("http_client").get;'),
    contained: ['ModuleNotFound'],
  },
  {
    name: 'js-require-privileged-module',
    hostileClass: 'escape',
    modules: ['env'],
    source: handler('return { home: require("env").get("HOME") };'),
    contained: ['PermissionDenied'],
  },
];

export const JS_HOSTILE_CASES: readonly HostileCase[] = [
  ...drafts.map((d): HostileCase => ({ ...d, engine: 'js', modules: d.modules ?? [] })),
  ...ssrfCases('js', (url) => ({
    modules: ['http_client'],
    input: { url },
    source: `const http = require("http_client");
export function handler(input) {
  const r = http.get(input.url, { timeout: "2s" });
  return { status: r.status_code, body: r.body };
}`,
  })),
];
