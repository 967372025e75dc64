// Guest-side hardening of a reusable QuickJS context ("frozen realm"): evaluated once after the prelude's
// boot and before any tool code, it deep-freezes every intrinsic reachable from the global object and hidden roots.

/**
 * Script run once per reusable context, after boot(config) and before any tool code. It:
 * - turns a few prototype data properties that ordinary code overrides by assignment (`this.name = ...`
 *   in an Error subclass, `obj.toString = ...`) into accessor pairs whose setter defines an own property
 *   on the receiver (assignment on a frozen prototype would otherwise throw: the "override mistake");
 *   the accessors close over nothing mutable;
 * - freezes, transitively through property values, getters, setters and prototypes, the global object
 *   and the intrinsics only reachable through literals (iterator, generator and async prototypes...).
 * Afterwards nothing a tool can reach from the realm is mutable, so a tool can only leave state behind in
 * objects it created, which no later call can reach. Completion value: the number of objects frozen.
 */
export const GUEST_HARDEN_SOURCE = String.raw`(() => {
'use strict';
const G = globalThis;
const getPrototypeOf = Object.getPrototypeOf;
const ownKeys = Reflect.ownKeys;
const gopd = Object.getOwnPropertyDescriptor;
const defineProperty = Object.defineProperty;
const freeze = Object.freeze;
const TypeErrorCtor = TypeError;
const SetCtor = Set;
const setHas = Set.prototype.has;
const setAdd = Set.prototype.add;
const RApply = Reflect.apply;

function enable(obj, key) {
  const d = gopd(obj, key);
  if (d === undefined || !('value' in d) || !d.configurable) return;
  const value = d.value;
  const getter = ({ get [key]() { return value; } });
  const setter = ({ set [key](v) {
    if (this === obj) throw new TypeErrorCtor("cannot assign to read only property '" + String(key) + "' of a frozen built-in");
    defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
  } });
  defineProperty(obj, key, {
    get: gopd(getter, key).get,
    set: gopd(setter, key).set,
    enumerable: d.enumerable,
    configurable: false,
  });
}
for (const key of ownKeys(Object.prototype)) if (typeof key === 'string') enable(Object.prototype, key);
for (const name of ownKeys(G)) {
  const d = gopd(G, name);
  const C = d && d.value;
  if (typeof C !== 'function') continue;
  const p = C.prototype;
  if (p === null || typeof p !== 'object' || p === Object.prototype) continue;
  enable(p, 'constructor');
  enable(p, 'toString');
  if (p === Error.prototype || p instanceof Error) { enable(p, 'name'); enable(p, 'message'); }
}

const seen = new SetCtor();
function walk(o) {
  if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return;
  if (RApply(setHas, seen, [o])) return;
  RApply(setAdd, seen, [o]);
  freeze(o);
  walk(getPrototypeOf(o));
  const keys = ownKeys(o);
  for (let i = 0; i < keys.length; i++) {
    const d = gopd(o, keys[i]);
    if (d === undefined) continue;
    if ('value' in d) walk(d.value);
    else { walk(d.get); walk(d.set); }
  }
}
const roots = [
  G,
  function* () {}, (function* () {})(),
  async function () {}, async function* () {}, (async function* () {})(),
  (function () { return arguments; })(),
  [][Symbol.iterator](), new Map()[Symbol.iterator](), new Set()[Symbol.iterator](), ''[Symbol.iterator](),
  /a/[Symbol.matchAll](''),
];
if (typeof Iterator === 'function') {
  if (typeof Iterator.from === 'function') roots.push(Iterator.from({ next() { return { done: true, value: undefined }; } }));
  if (typeof Iterator.prototype.map === 'function') roots.push([].values().map((x) => x));
}
for (let i = 0; i < roots.length; i++) walk(roots[i]);
return seen.size;
})()`;
