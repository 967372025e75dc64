// Guest-side module machinery, compiled lazily by the prelude: wire encoding/decoding of values, typed
// values with methods, host calls that throw ModuleError/TypeError, and building require(name) objects.

/**
 * Body of `new Function('d', ...)` compiled by the prelude on the first granted require() only, so tools
 * that use no module do not pay for parsing the marshalling code. Returns { buildModule(name, descriptor), dec(wire, module), reset() } (reset: fresh typed-value prototypes for a new call).
 */
export const GUEST_MODULES_SOURCE = String.raw`'use strict';
const { TAG, RApply, ObjectKeys, ObjectCreate, ObjectFreeze, defineProperty, isArray, JSONstringify, JSONparse,
  StringCtor, NumberCtor, BigIntCtor, charCodeAt, stringSlice, ErrorCtor, TypeErrorCtor, U8, wmGet, wmSet,
  wsAdd, call, typedData, isBytes, isBuffer, viewToLatin1, u8ToLatin1, host, descriptors, ModuleError,
  moduleErrors, lookupError } = d;
function tag(t, v) { const o = {}; o[TAG] = [t, v]; return o; }

function enc(v, depth, stack) {
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t === 'boolean' || t === 'string') return v;
  if (t === 'number') return (v === v && v !== Infinity && v !== -Infinity) ? v : tag('num', StringCtor(v));
  if (t === 'bigint') return tag('big', StringCtor(v));
  if (t === 'function') throw new TypeErrorCtor('a function cannot be passed to a module');
  if (t === 'symbol') throw new TypeErrorCtor('a symbol cannot be passed to a module');
  if (depth > 128) throw new TypeErrorCtor('value nested deeper than 128 levels cannot be passed to a module');
  const raw = call(wmGet, typedData, v);
  if (raw !== undefined) return tag('typed', raw.json);
  if (isBytes(v)) return tag('bytes', viewToLatin1(v));
  if (isBuffer(v)) return tag('bytes', u8ToLatin1(new U8(v)));
  for (let i = 0; i < stack.length; i++) {
    if (stack[i] === v) throw new TypeErrorCtor('a cyclic value cannot be passed to a module');
  }
  stack[stack.length] = v;
  let out;
  if (isArray(v)) {
    out = [];
    const n = v.length;
    for (let i = 0; i < n; i++) out[i] = enc(v[i], depth + 1, stack);
  } else {
    out = {};
    const keys = ObjectKeys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const key = call(charCodeAt, k, 0) === 1 ? TAG + k : k;
      defineProperty(out, key, { value: enc(v[k], depth + 1, stack), writable: true, enumerable: true, configurable: true });
    }
  }
  stack.length = stack.length - 1;
  return out;
}

function dec(v, mod) {
  if (v === null || typeof v !== 'object') return v;
  if (isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = dec(v[i], mod);
    return v;
  }
  const keys = ObjectKeys(v);
  if (keys.length === 1 && keys[0] === TAG) {
    const pair = v[TAG];
    const t = pair[0];
    if (t === 'num') return NumberCtor(pair[1]);
    if (t === 'big') return BigIntCtor(pair[1]);
    if (t === 'typed') return wrapTyped(mod, pair[1]);
    return pair[1];
  }
  let escaped = false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (call(charCodeAt, k, 0) === 1) escaped = true;
    v[k] = dec(v[k], mod);
  }
  if (!escaped) return v;
  const out = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const key = call(charCodeAt, k, 0) === 1 ? call(stringSlice, k, 1) : k;
    defineProperty(out, key, { value: v[k], writable: true, enumerable: true, configurable: true });
  }
  return out;
}

// ---- typed values: objects with the methods of their module's type spec
let typeProtos = ObjectCreate(null);
function typeProto(from, typeName) {
  const key = from + '\u0001' + typeName;
  const found = typeProtos[key];
  if (found !== undefined) return found;
  // The type's own module: the returning one when it defines the type, else the one the name is prefixed
  // with (typeOwner in src/modules/module-spec.ts).
  let mod = from;
  let d = descriptors[from];
  if (!(d && d.types[typeName])) {
    let dot = typeName.length - 1;
    while (dot > 0 && call(charCodeAt, typeName, dot) !== 46) dot--;
    const owner = dot > 0 ? call(stringSlice, typeName, 0, dot) : '';
    if (owner !== '' && descriptors[owner] && descriptors[owner].types[typeName]) {
      mod = owner;
      d = descriptors[owner];
    }
  }
  const spec = d && d.types[typeName];
  if (!spec) { typeProtos[key] = null; return null; }
  const proto = {};
  for (const m of spec.methods) {
    const fn = ({ [m](...args) {
      const raw = call(wmGet, typedData, this);
      if (raw === undefined) throw new TypeErrorCtor(typeName + '.' + m + ' called on a value that is not a ' + typeName);
      return hostCall(mod, typeName + ':' + m, [this, ...args]);
    } })[m];
    defineProperty(proto, m, { value: fn, writable: true, configurable: true, enumerable: false });
  }
  if (spec.tostring) {
    const fn = ({ toString() {
      const raw = call(wmGet, typedData, this);
      if (raw === undefined) return '[object ' + typeName + ']';
      return StringCtor(hostCall(mod, typeName + ':__tostring', [this]));
    } }).toString;
    defineProperty(proto, 'toString', { value: fn, writable: true, configurable: true, enumerable: false });
  }
  typeProtos[key] = proto;
  return proto;
}
function wrapTyped(mod, json) {
  const data = dec(JSONparse(json), mod);
  const typeName = data.__type;
  const proto = typeProto(mod, typeName);
  if (proto === null) return data;
  const obj = ObjectCreate(proto);
  const keys = ObjectKeys(data);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    // A data field never hides a method of the same name (registry Version: v.id() stays callable).
    if (typeof proto[k] === 'function') continue;
    defineProperty(obj, k, { value: data[k], writable: false, enumerable: k !== '__type', configurable: false });
  }
  call(wmSet, typedData, obj, { json });
  return obj;
}

// ---- host calls
function hostCall(mod, fn, args) {
  const argsJson = JSONstringify(enc(args, 0, []));
  const resp = JSONparse(host(mod, fn, argsJson));
  const err = resp.e;
  if (err === undefined) return dec(resp.v, mod);
  if (err.t === 'module') {
    const me = new ModuleError(err.kind, err.message, err.retryable, err.details === undefined ? undefined : dec(err.details, mod));
    call(wsAdd, moduleErrors, me);
    throw me;
  }
  if (err.t === 'arg') throw new TypeErrorCtor(err.message);
  if (err.t === 'notfound') throw lookupError(err.message);
  const ie = new ErrorCtor(err.message);
  ie.kind = 'Internal';
  throw ie;
}

function buildModule(name, d) {
  const m = {};
  for (const fname of d.functions) {
    const parts = [];
    let start = 0;
    for (let i = 0; i <= fname.length; i++) {
      if (i === fname.length || fname[i] === '.') { parts[parts.length] = call(stringSlice, fname, start, i); start = i + 1; }
    }
    let target = m;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      if (target[p] === undefined || target[p] === null) defineProperty(target, p, { value: {}, writable: true, enumerable: true, configurable: true });
      target = target[p];
    }
    const leaf = parts[parts.length - 1];
    const fn = ({ [leaf](...args) { return hostCall(name, fname, args); } })[leaf];
    defineProperty(target, leaf, { value: fn, writable: true, enumerable: true, configurable: true });
  }
  const consts = dec(JSONparse(d.constants), name);
  const ckeys = ObjectKeys(consts);
  for (let i = 0; i < ckeys.length; i++) {
    defineProperty(m, ckeys[i], { value: consts[ckeys[i]], writable: false, enumerable: true, configurable: false });
  }
  return ObjectFreeze(m);
}
function reset() { typeProtos = ObjectCreate(null); }
return { buildModule, dec, reset };`;
