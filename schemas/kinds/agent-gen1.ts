// `registry.entry` with `meta.type: agent.gen1`: an agent's prompt, model, limits and tool selectors.
// Shape follows the Wippy agent module (wippy-agent-llm.md §4.1); unknown extra fields are kept.
import { z } from 'zod';
import { messageGuard } from '../message-guard.js';
import { EntryRefSchema, RecordSchema } from './common.js';

/** A tool selector: an id, an `ns:*` namespace wildcard, or an object with an alias/description. */
export const ToolSelectorSchema = z.union([
  z.string().min(1),
  z.looseObject({
    id: z.string().min(1),
    alias: z.string().min(1).optional(),
    description: z.string().optional(),
    context: RecordSchema.optional(),
    schema: z.unknown().optional(),
  }),
]);

export const AgentGen1MetaSchema = z.looseObject({
  type: z.literal('agent.gen1'),
  name: z.string().min(1).optional(),
  title: z.string().optional(),
  comment: z.string().optional(),
});

export const AgentGen1DataSchema = z.looseObject({
  prompt: z.string(),
  /** A model name (`meta.name` of an llm.model entry) or a class. */
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  thinking_effort: z.number().min(0).max(100).optional(),
  tools: z.array(ToolSelectorSchema).optional(),
  traits: z.array(z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })])).optional(),
  delegates: z
    .array(z.looseObject({ id: EntryRefSchema, name: z.string().min(1), rule: z.string().optional() }))
    .optional(),
  memory: z.array(z.string()).optional(),
  context: RecordSchema.optional(),
  start_prompts: z.array(z.unknown()).optional(),
});

export type ToolSelector = z.infer<typeof ToolSelectorSchema>;
export type AgentGen1Data = z.infer<typeof AgentGen1DataSchema>;
/** AgentGen1DataSchema's compiled check (every agent session reads its agent entry). */
export const AgentGen1DataGuard = messageGuard(AgentGen1DataSchema);

/** Default `max_tokens` of an agent when the entry gives none (Wippy's default). */
export const AGENT_DEFAULT_MAX_TOKENS = 512;
