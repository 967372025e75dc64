// `process.host`: a host that runs processes (the supervisor), with optional sizing and lifecycle.
// Field names follow Wippy (`host.workers`, `lifecycle.auto_start`).
import { z } from 'zod';

export const ProcessHostDataSchema = z.looseObject({
  host: z.looseObject({ workers: z.number().int().positive().optional() }).optional(),
  lifecycle: z.looseObject({ auto_start: z.boolean().optional() }).optional(),
});

export type ProcessHostData = z.infer<typeof ProcessHostDataSchema>;
