// The table of entry kinds micro-agi understands: kind -> the zod schemas of its `data` and `meta`.
// `registry.entry` is dispatched further on `meta.type` (llm.model, agent.gen1; other types are free).
import type { z } from 'zod';
import { AgentGen1DataSchema, AgentGen1MetaSchema } from './agent-gen1.js';
import { EnvStorageOsDataSchema } from './env-storage.js';
import { FunctionDataSchema, ProcessLuaDataSchema } from './function-code.js';
import { LlmModelDataSchema, LlmModelMetaSchema } from './llm-model.js';
import { NsDefinitionDataSchema } from './ns-definition.js';
import { NsDependencyDataSchema } from './ns-dependency.js';
import { ProcessHostDataSchema } from './process-host.js';
import { SecurityPolicyDataSchema } from './security-policy.js';

export interface KindSchemas {
  readonly data?: z.ZodType;
  readonly meta?: z.ZodType;
}

export const KIND_SCHEMAS: Readonly<Record<string, KindSchemas>> = Object.freeze({
  'ns.definition': { data: NsDefinitionDataSchema },
  'ns.dependency': { data: NsDependencyDataSchema },
  'env.storage.os': { data: EnvStorageOsDataSchema },
  'process.host': { data: ProcessHostDataSchema },
  'security.policy': { data: SecurityPolicyDataSchema },
  'registry.entry': {},
  'process.lua': { data: ProcessLuaDataSchema },
  'function.lua': { data: FunctionDataSchema },
  'function.js': { data: FunctionDataSchema },
});

/** `registry.entry` sub-types (by `meta.type`) that have their own schemas. */
export const REGISTRY_ENTRY_TYPES: Readonly<Record<string, KindSchemas>> = Object.freeze({
  'llm.model': { data: LlmModelDataSchema, meta: LlmModelMetaSchema },
  'agent.gen1': { data: AgentGen1DataSchema, meta: AgentGen1MetaSchema },
});

/** Schemas that apply to an entry of `kind` with `meta`, or undefined for an unknown kind. */
export function schemasFor(kind: string, meta: Record<string, unknown>): KindSchemas | undefined {
  const base = KIND_SCHEMAS[kind];
  if (base === undefined) return undefined;
  if (kind === 'registry.entry' && typeof meta.type === 'string') return REGISTRY_ENTRY_TYPES[meta.type] ?? base;
  return base;
}
