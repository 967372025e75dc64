// What the guest prelude needs to build `require(name)` from a ModuleSpec: function names, wire-encoded
// constants and type method names. Built once per spec object and cached.
import type { ModuleSpec } from '../../modules/module-spec.js';
import { toWire } from './wire-codec.js';

export interface ModuleDescriptor {
  /** Function names, dotted names for nested tables (`random.bytes`). */
  readonly functions: readonly string[];
  /** Constants as a wire JSON string (decoded by the guest). */
  readonly constants: string;
  readonly types: Readonly<Record<string, { readonly methods: readonly string[]; readonly tostring: boolean }>>;
}

const cache = new WeakMap<ModuleSpec, ModuleDescriptor>();

export function describeModule(spec: ModuleSpec): ModuleDescriptor {
  const found = cache.get(spec);
  if (found) return found;
  const types: Record<string, { methods: string[]; tostring: boolean }> = {};
  for (const [name, type] of Object.entries(spec.types ?? {})) {
    types[name] = { methods: Object.keys(type.methods), tostring: type.tostring !== undefined };
  }
  const descriptor: ModuleDescriptor = {
    functions: Object.keys(spec.functions),
    constants: JSON.stringify(toWire(spec.constants ?? {})),
    types,
  };
  cache.set(spec, descriptor);
  return descriptor;
}
