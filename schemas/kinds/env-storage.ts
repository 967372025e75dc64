// `env.storage.os`: environment variables read from the process environment, Wippy §5.6.
// It has no required fields; an optional `prefix` narrows the variables it exposes.
import { z } from 'zod';

export const EnvStorageOsDataSchema = z.looseObject({
  prefix: z.string().optional(),
});

export type EnvStorageOsData = z.infer<typeof EnvStorageOsDataSchema>;
