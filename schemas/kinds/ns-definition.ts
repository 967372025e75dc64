// `ns.definition`: namespace metadata (module name, readme, wiki), Wippy §5.5.
// Non-propagating; micro-agi reads it only for display.
import { z } from 'zod';

export const NsDefinitionDataSchema = z.looseObject({
  module: z.string().min(1).optional(),
  readme: z.string().optional(),
  wiki: z.record(z.string(), z.unknown()).optional(),
});

export type NsDefinitionData = z.infer<typeof NsDefinitionDataSchema>;
