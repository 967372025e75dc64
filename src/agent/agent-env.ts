// The environment variables the agent process may see: OPENAI_* and the variables llm.provider entries
// name in driver.options (*_env). Everything else in the supervisor's environment stays behind.
import type { Snapshot } from '../registry/types.js';

/** The provider variables from `env` (unset ones left out). */
export function providerEnv(env: Readonly<Record<string, string | undefined>>, snapshot: Pick<Snapshot, 'find'>): Record<string, string> {
  const names = new Set(Object.keys(env).filter((k) => k.startsWith('OPENAI_')));
  for (const e of snapshot.find({ kind: 'registry.entry', meta: { type: 'llm.provider' } })) {
    const opts = (e.data as { driver?: { options?: Record<string, unknown> } } | null)?.driver?.options ?? {};
    for (const [k, v] of Object.entries(opts)) if (k.endsWith('_env') && typeof v === 'string' && v !== 'none') names.add(v);
  }
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = env[n];
    if (typeof v === 'string') out[n] = v;
  }
  return out;
}
