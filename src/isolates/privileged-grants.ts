// The engines' own check of a tool's grants before it runs or is prepared: a tool outside the trusted
// namespaces may not list a privileged module (the host gates and host channel check again on use).
import type { ModuleSpec } from '../modules/module-spec.js';
import type { ToolSpec } from './types.js';

/** The first privileged module an untrusted `tool` lists, or undefined when its grants are allowed. */
export function refusedPrivilegedModule(tool: ToolSpec, modules: ReadonlyMap<string, ModuleSpec>): string | undefined {
  if (tool.trusted) return undefined;
  for (const name of tool.modules) if (modules.get(name)?.privileged) return name;
  return undefined;
}
