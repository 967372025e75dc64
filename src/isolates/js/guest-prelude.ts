// The guest-side prelude evaluated first in every fresh QuickJS context: captured intrinsics, array-length
// guards, ModuleError, require/console (bodies load lazily), result encoding and the handler runner.
//
// The prelude captures every intrinsic it uses before tool code runs, so a tool that tampers with
// builtins only hurts itself. It is not a security boundary: the host validates every request that
// reaches `__host` (grant, privilege, function name, argument decoding) as if the guest sent it directly.

/** Reserved pseudo-module name of the prelude's own requests (console output, lazy sources). */
export const SYSTEM_CHANNEL = '\u0001sys';

/** Key of tagged wire values (bigint, non-finite numbers, typed values, bytes) in the JSON wire format. */
export const WIRE_TAG = '\u0001';

/** File name the prelude is evaluated under (its frames are skipped when looking for tool lines). */
export const PRELUDE_FILENAME = '<sandbox>';

/**
 * Script whose completion value is `boot(configJson)`, which returns `run(mode, value, inputJson)`;
 * `boot.warm()` compiles the lazily loaded parts ahead of time.
 * `taggedInput` is true when the input JSON holds tagged wire values (it then needs the module machinery).
 * `run` returns "R<json>" (result), "E<json>" (error description), or a promise of one of them;
 * `run('begin')` resets the per-call state (require cache, typed-value prototypes, console budget) before a
 * call in a reused context; `run('factory', factory, inputJson, tagged)` does that, calls the tool's module
 * factory (module-factory.ts) for a fresh module scope and runs the entry (`run('seal', factory)` freezes it
 * once first); `run('keys', namespace)` returns the JSON of a module namespace's export names.
 */
export const GUEST_PRELUDE = String.raw`(() => {
'use strict';
const G = globalThis;
const host = G.__host;
delete G.__host;
delete G.Atomics;
delete G.SharedArrayBuffer;
delete G.FinalizationRegistry;
const TAG = '\u0001';
const SYS = '\u0001sys';
const RApply = Reflect.apply;
const ObjectKeys = Object.keys;
const ObjectCreate = Object.create;
const ObjectFreeze = Object.freeze;
const defineProperty = Object.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;
const JSONstringify = JSON.stringify;
const JSONparse = JSON.parse;
const StringCtor = String;
const NumberCtor = Number;
const BigIntCtor = BigInt;
const isSafeInteger = Number.isSafeInteger;
const fromCharCode = String.fromCharCode;
const charCodeAt = String.prototype.charCodeAt;
const stringSlice = String.prototype.slice;
const ErrorCtor = Error;
const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const PromiseCtor = Promise;
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve;
const U8 = Uint8Array;
const TypedArrayProto = getPrototypeOf(Uint8Array.prototype);
const typedTag = getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;
const typedBuffer = getOwnPropertyDescriptor(TypedArrayProto, 'buffer').get;
const typedOffset = getOwnPropertyDescriptor(TypedArrayProto, 'byteOffset').get;
const typedLength = getOwnPropertyDescriptor(TypedArrayProto, 'byteLength').get;
const bufferLength = getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength').get;
const objectToString = Object.prototype.toString;
const WM = WeakMap;
const wmGet = WeakMap.prototype.get;
const wmSet = WeakMap.prototype.set;
const WS = WeakSet;
const wsAdd = WeakSet.prototype.add;
const wsHas = WeakSet.prototype.has;
const arrayJoin = Array.prototype.join;

function call(fn, self, ...args) { return RApply(fn, self, args); }

const FunctionCtor = Function;
let modulesFactory;
let supportFactory;
function factory(which) {
  if (which === 'modules') return modulesFactory === undefined ? (modulesFactory = new FunctionCtor('d', host(SYS, 'source', 'modules'))) : modulesFactory;
  return supportFactory === undefined ? (supportFactory = new FunctionCtor('d', host(SYS, 'source', 'support'))) : supportFactory;
}
function boot(configJson) {
  const config = JSONparse(configJson);
  const toolId = config.toolId;
  const method = config.method;
  const granted = config.granted;
  const descriptors = config.modules;
  const maxOutput = config.outputBytes;
  const maxArrayLength = config.maxArrayLength;

  // ---- array-length guards: natives that loop over a length without polling the interrupt handler.
  function checkLength(o) {
    if (o === null || o === undefined) return;
    if (typeof o !== 'object' && typeof o !== 'function') return;
    const n = +o.length;
    if (n > maxArrayLength) {
      throw new RangeErrorCtor('array length ' + n + ' exceeds the sandbox limit of ' + maxArrayLength);
    }
  }
  function checkNested(o, depth) {
    checkLength(o);
    if (depth <= 0 || !isArray(o)) return;
    const n = o.length;
    for (let i = 0; i < n; i++) { const v = o[i]; if (isArray(v)) checkNested(v, depth - 1); }
  }
  const ArrayProto = Array.prototype;
  const guarded = ['at','concat','copyWithin','every','fill','filter','find','findIndex','findLast',
    'findLastIndex','forEach','includes','indexOf','join','lastIndexOf','map','reduce','reduceRight',
    'reverse','shift','slice','some','sort','splice','toLocaleString','toReversed','toSorted',
    'toSpliced','unshift','with','push','pop'];
  for (const name of guarded) {
    const orig = ArrayProto[name];
    if (typeof orig !== 'function') continue;
    const wrapped = name === 'concat'
      ? ({ [name](...args) { checkLength(this); for (const a of args) checkLength(a); return RApply(orig, this, args); } })[name]
      : ({ [name](...args) { checkLength(this); return RApply(orig, this, args); } })[name];
    defineProperty(wrapped, 'length', { value: orig.length });
    defineProperty(ArrayProto, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
  }
  {
    const flat = ArrayProto.flat;
    const flatMap = ArrayProto.flatMap;
    const wrappedFlat = ({ flat(depth) { const d = depth === undefined ? 1 : +depth; checkNested(this, d >= 0 ? d : 0); return call(flat, this, depth); } }).flat;
    const wrappedFlatMap = ({ flatMap(fn, thisArg) {
      checkLength(this);
      if (typeof fn !== 'function') return call(flatMap, this, fn, thisArg);
      return call(flatMap, this, function (v, i, a) { const r = call(fn, thisArg, v, i, a); if (isArray(r)) checkLength(r); return r; });
    } }).flatMap;
    defineProperty(wrappedFlatMap, 'length', { value: 1 });
    defineProperty(ArrayProto, 'flat', { value: wrappedFlat, writable: true, configurable: true, enumerable: false });
    defineProperty(ArrayProto, 'flatMap', { value: wrappedFlatMap, writable: true, configurable: true, enumerable: false });
  }

  // ---- errors
  class ModuleError extends ErrorCtor {
    constructor(kind, message, retryable, details) {
      super(message);
      this.kind = kind;
      this.retryable = retryable === true;
      if (details !== undefined) this.details = details;
    }
  }
  defineProperty(ModuleError.prototype, 'name', { value: 'ModuleError', writable: true, configurable: true });
  const moduleErrors = new WS();
  const lookupErrors = new WS();
  defineProperty(G, 'ModuleError', { value: ModuleError, writable: true, configurable: true, enumerable: false });

  // ---- bytes and wire values
  function isBytes(v) {
    try { return call(typedTag, v) !== undefined; } catch (e) { return false; }
  }
  // Measured: a throwing probe costs ~10 us in QuickJS (the error object and its stack), so the brand
  // check runs only on objects whose tag says ArrayBuffer (one that hides its tag serialises as an object).
  function isBuffer(v) {
    let tagged;
    try { tagged = call(objectToString, v) === '[object ArrayBuffer]'; } catch (e) { return false; }
    if (!tagged) return false;
    try { call(bufferLength, v); return true; } catch (e) { return false; }
  }
  function viewToLatin1(v) {
    const u = new U8(call(typedBuffer, v), call(typedOffset, v), call(typedLength, v));
    return u8ToLatin1(u);
  }
  function u8ToLatin1(u) {
    let out = '';
    const n = u.length;
    for (let i = 0; i < n; i += 4096) {
      const end = i + 4096 < n ? i + 4096 : n;
      const chunk = [];
      for (let j = i; j < end; j++) chunk[j - i] = u[j];
      out += RApply(fromCharCode, null, chunk);
    }
    return out;
  }
  const typedData = new WM();
  let machinery;
  function modules() {
    if (machinery === undefined) {
      machinery = RApply(factory('modules'), undefined, [{
        TAG, RApply, ObjectKeys, ObjectCreate, ObjectFreeze, defineProperty, isArray, JSONstringify, JSONparse,
        StringCtor, NumberCtor, BigIntCtor, charCodeAt, stringSlice, ErrorCtor, TypeErrorCtor, U8, wmGet, wmSet,
        wsAdd, call, typedData, isBytes, isBuffer, viewToLatin1, u8ToLatin1, host, descriptors, ModuleError,
        moduleErrors, lookupError,
      }]);
    }
    return machinery;
  }
  function lookupError(message) {
    const e = new ErrorCtor(message);
    call(wsAdd, lookupErrors, e);
    return e;
  }
  // ---- require
  let loaded = ObjectCreate(null);
  function require(name) {
    const key = StringCtor(name);
    const have = loaded[key];
    if (have !== undefined) return have;
    let ok = false;
    for (let i = 0; i < granted.length; i++) if (granted[i] === key) ok = true;
    if (!ok) {
      throw lookupError("module '" + key + "' is not granted to " + toolId + '; granted: ' +
        (granted.length ? call(arrayJoin, granted, ', ') : '(none)'));
    }
    const d = descriptors[key];
    if (d === undefined) throw lookupError("module '" + key + "' is granted to " + toolId + ' but is not available in this isolate');
    const m = modules().buildModule(key, d);
    loaded[key] = m;
    return m;
  }
  defineProperty(G, 'require', { value: require, writable: true, configurable: true, enumerable: false });

  // ---- console and error descriptions (compiled on first use)
  let support;
  function supportFns() {
    if (support === undefined) {
      support = RApply(factory('support'), undefined, [{
        SYS, ErrorCtor, StringCtor, JSONstringify, call, arrayJoin, stringSlice, host, wsHas, moduleErrors,
        lookupErrors, ModuleError, resultReplacer, field, logBytes: config.logBytes,
      }]);
    }
    return support;
  }
  function emit(level, args) { supportFns().emit(level, args); }
  const consoleObj = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    defineProperty(consoleObj, level, { value: ({ [level](...args) { emit(level, args); } })[level], writable: true, enumerable: true, configurable: true });
  }
  defineProperty(G, 'console', { value: consoleObj, writable: true, configurable: true, enumerable: false });
  defineProperty(G, 'print', { value: function print(...args) { emit('log', args); }, writable: true, configurable: true, enumerable: false });

  // ---- results and errors
  function resultReplacer(key, value) {
    const t = typeof value;
    if (t === 'bigint') return isSafeInteger(NumberCtor(value)) ? NumberCtor(value) : StringCtor(value);
    if (value === null || t !== 'object') return value;
    const raw = call(wmGet, typedData, value);
    if (raw !== undefined) return JSONparse(raw.json);
    if (isBytes(value)) return viewToLatin1(value);
    if (isBuffer(value)) return u8ToLatin1(new U8(value));
    return value;
  }
  function encodeResult(value) {
    let json = JSONstringify(value, resultReplacer);
    if (json === undefined) json = 'null';
    if (json.length > maxOutput) {
      return 'E' + JSONstringify({ tag: 'output', name: 'OutputLimit', message: 'result is ' + json.length + ' characters of JSON, over the ' + maxOutput + ' byte limit' });
    }
    return 'R' + json;
  }
  function safeEncode(value) { try { return encodeResult(value); } catch (e) { return describe(e); } }
  function field(e, k) { try { const v = e[k]; return v === undefined || v === null ? undefined : StringCtor(v); } catch (x) { return undefined; } }
  function describe(e) {
    let fns;
    try { fns = supportFns(); } catch (x) { return 'E' + JSONstringify({ name: field(e, 'name'), message: field(e, 'message'), stack: field(e, 'stack') }); }
    return fns.describe(e);
  }
  function findEntry(mode, value) {
    if (mode === 'script') {
      const g = G[method];
      if (typeof g === 'function') return [g, G];
      if (typeof value === 'function') return [value, undefined];
      if (value !== null && typeof value === 'object' && typeof value[method] === 'function') return [value[method], value];
      return undefined;
    }
    const named = value[method];
    if (typeof named === 'function') return [named, undefined];
    const def = value.default;
    if (def !== null && (typeof def === 'object' || typeof def === 'function') && typeof def[method] === 'function') return [def[method], def];
    if (typeof def === 'function') return [def, undefined];
    const g = G[method];
    if (typeof g === 'function') return [g, G];
    return undefined;
  }
  function start(mode, value, input) {
    const entry = findEntry(mode, value);
    if (entry === undefined) {
      let names = '';
      try { names = mode === 'module' ? call(arrayJoin, ObjectKeys(value), ', ') : ''; } catch (x) { /* ignore */ }
      return 'E' + JSONstringify({ tag: 'noentry', name: 'NotFound', message: 'tool ' + toolId + " does not export a function named '" + method + "'" + (names ? ' (exports: ' + names + ')' : '') });
    }
    const out = RApply(entry[0], entry[1], [input]);
    if (out !== null && (typeof out === 'object' || typeof out === 'function')) {
      let then;
      try { then = out.then; } catch (x) { then = undefined; }
      if (typeof then === 'function') {
        return call(promiseThen, call(promiseResolve, PromiseCtor, out), safeEncode, describe);
      }
    }
    return encodeResult(out);
  }
  function begin() {
    // A new call in a reused context: fresh require() objects, typed-value prototypes and log budget.
    loaded = ObjectCreate(null);
    if (machinery !== undefined) machinery.reset();
    if (support !== undefined) support.reset(config.logBytes);
  }
  return function run(mode, value, inputJson, taggedInput) {
    if (mode === 'error') return describe(value);
    if (mode === 'begin') {
      begin();
      return 'R';
    }
    if (mode === 'keys') {
      // The export names of an evaluated module namespace (undefined if one is still uninitialised).
      try { return JSONstringify(ObjectKeys(value)); } catch (e) { return undefined; }
    }
    if (mode === 'seal') {
      // A module factory before its first use: nothing on it (or its prototype object) can hold state.
      ObjectFreeze(value.prototype);
      ObjectFreeze(value);
      return 'R';
    }
    if (mode === 'factory') {
      // A reused context's call through the tool's module factory: begin, a fresh module scope, the entry.
      begin();
      try {
        const ns = RApply(value, undefined, []);
        const parsed = JSONparse(inputJson);
        return start('module', ns, taggedInput ? modules().dec(parsed, '') : parsed);
      } catch (e) {
        return describe(e);
      }
    }
    try {
      const parsed = JSONparse(inputJson);
      const input = taggedInput ? modules().dec(parsed, '') : parsed;
      if (value !== null && typeof value === 'object' && mode === 'module') {
        let then;
        try { then = value instanceof PromiseCtor ? promiseThen : undefined; } catch (x) { then = undefined; }
        if (then !== undefined) {
          return call(promiseThen, value, function (ns) { try { return start(mode, ns, input); } catch (e) { return describe(e); } }, describe);
        }
      }
      return start(mode, value, input);
    } catch (e) {
      return describe(e);
    }
  };
}
// Compiles the lazily loaded parts ahead of time (called when a context is prepared in idle time).
defineProperty(boot, 'warm', { value: function warm() { factory('modules'); factory('support'); } });
return boot;
})()`;
