// What tools see of the supervisor's environment: the few variables the `env` module exposes, and the
// settings of worker-local module functions derived from it (the pool's moduleConfig).
import type { ModuleConfig } from '../modules/module-spec.js';

/** The only environment variables privileged tools can read with the `env` module. */
export const TOOL_ENV_VARS: readonly string[] = ['MICRO_AGI_DOCS_REMOTE'];

/**
 * Settings of the worker-local module functions: docs.remote() answers MICRO_AGI_DOCS_REMOTE inside the
 * worker, so doc_search needs neither the `env` module nor a round trip to the supervisor on every query.
 */
export function toolModuleConfig(env: Readonly<Record<string, string | undefined>>): ModuleConfig {
  const remote = env['MICRO_AGI_DOCS_REMOTE'];
  // Passed as set: docs.remote() itself answers nil for a blank one and drops trailing slashes.
  return typeof remote === 'string' ? { docs: { remote } } : {};
}

/** The environment tools see: TOOL_ENV_VARS that are set; never keys or the rest of the environment. */
export function toolEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TOOL_ENV_VARS) {
    const v = env[name];
    if (typeof v === 'string' && v !== '') out[name] = v;
  }
  return out;
}
