// `ns.dependency`: a dependency on another component with parameters, Wippy §5.5.
// micro-agi implements llm/agent natively, so it validates these but does not resolve them.
import { z } from 'zod';

export const NsDependencyDataSchema = z.looseObject({
  component: z.string().min(1),
  version: z.string().optional(),
  parameters: z.array(z.looseObject({ name: z.string().min(1), value: z.unknown() })).optional(),
});

export type NsDependencyData = z.infer<typeof NsDependencyDataSchema>;
