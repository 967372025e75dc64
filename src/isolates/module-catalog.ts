// The catalog of every tool module (ModuleSpec by require name), shared by the isolate worker and the
// supervisor, plus how a function name (`get`, `random.bytes`, `Type:method`) resolves inside a spec.
import type { HostFn, ModuleSpec } from '../modules/module-spec.js';
import { base64Module } from '../modules/base64.js';
import { cryptoModule } from '../modules/crypto.js';
import { ctxModule } from '../modules/ctx.js';
import { docsModule } from '../modules/docs.js';
import { envModule } from '../modules/env.js';
import { exprModule } from '../modules/expr.js';
import { funcsModule } from '../modules/funcs.js';
import { hashModule } from '../modules/hash.js';
import { httpClientModule } from '../modules/http-client.js';
import { jsonModule } from '../modules/json.js';
import { registryModule } from '../modules/registry.js';
import { securityModule } from '../modules/security.js';
import { textModule } from '../modules/text.js';
import { timeModule } from '../modules/time.js';
import { toolsModule } from '../modules/tools.js';
import { urlModule } from '../modules/url.js';
import { uuidModule } from '../modules/uuid.js';
import { yamlModule } from '../modules/yaml.js';

/** The one list of modules. Add a module here and both engines can `require` it. */
const ALL_MODULES: readonly ModuleSpec[] = [
  base64Module,
  cryptoModule,
  ctxModule,
  docsModule,
  envModule,
  exprModule,
  funcsModule,
  hashModule,
  httpClientModule,
  jsonModule,
  registryModule,
  securityModule,
  textModule,
  timeModule,
  toolsModule,
  urlModule,
  uuidModule,
  yamlModule,
];

export const MODULE_CATALOG: ReadonlyMap<string, ModuleSpec> = new Map(ALL_MODULES.map((m) => [m.name, m]));

/** The function a guest calls as `fn` (plain or dotted) or `Type:method` (`Type:__tostring` maps to TypeSpec.tostring). */
export function resolveHostFn(spec: ModuleSpec, fn: string): HostFn | undefined {
  const colon = fn.indexOf(':');
  if (colon > 0) {
    const type = spec.types?.[fn.slice(0, colon)];
    if (!type) return undefined;
    const method = fn.slice(colon + 1);
    // Engines ask for `Type:__tostring` when the guest calls tostring(obj) / String(obj).
    if (method === '__tostring') return type.tostring ?? (Object.hasOwn(type.methods, 'string') ? type.methods['string'] : undefined);
    return Object.hasOwn(type.methods, method) ? type.methods[method] : undefined;
  }
  return Object.hasOwn(spec.functions, fn) ? spec.functions[fn] : undefined;
}

/** True when `fn` must run on the supervisor (listed in spec.remote). */
export function isRemoteFn(spec: ModuleSpec, fn: string): boolean {
  return spec.remote !== undefined && spec.remote.includes(fn);
}
