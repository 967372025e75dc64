// Code entries: `function.lua`, `function.js` (tools) and `process.lua`, Wippy §5.2-5.3.
// `limits` is micro-agi's addition: per-entry overrides of the isolate limits.
import { z } from 'zod';
import { messageGuard } from '../message-guard.js';
import { EntryRefSchema, ModuleNameSchema } from './common.js';

export const FunctionLimitsSchema = z.strictObject({
  timeout_ms: z.number().int().positive().optional(),
  memory_mb: z.number().positive().optional(),
  output_kb: z.number().positive().optional(),
  instructions: z.number().int().positive().optional(),
  max_depth: z.number().int().positive().optional(),
});

export const PoolSchema = z.looseObject({
  type: z.enum(['inline', 'lazy', 'static', 'adaptive']).optional(),
  workers: z.number().int().positive().optional(),
  size: z.number().int().positive().optional(),
  buffer: z.number().int().nonnegative().optional(),
  max_size: z.number().int().positive().optional(),
});

export const FunctionDataSchema = z.looseObject({
  source: z.string().min(1),
  /** Name of the entry function in what the source returns/exports; default `handler`. */
  method: z.string().min(1).optional(),
  /** The only names `require` can see. */
  modules: z.array(ModuleNameSchema).optional(),
  /** alias -> entry id, usable as `require(alias)`. */
  imports: z.record(z.string(), EntryRefSchema).optional(),
  pool: PoolSchema.optional(),
  limits: FunctionLimitsSchema.optional(),
});

export type FunctionData = z.infer<typeof FunctionDataSchema>;
/** FunctionDataSchema's compiled check: every tool call's spec is read from its entry's data. */
export const FunctionDataGuard = messageGuard(FunctionDataSchema);
export type FunctionLimits = z.infer<typeof FunctionLimitsSchema>;

/** `process.lua`: a long-lived actor; `method` names its main function. */
export const ProcessLuaDataSchema = z.looseObject({
  source: z.string().min(1),
  method: z.string().min(1),
  modules: z.array(ModuleNameSchema).optional(),
  imports: z.record(z.string(), EntryRefSchema).optional(),
});

export type ProcessLuaData = z.infer<typeof ProcessLuaDataSchema>;
