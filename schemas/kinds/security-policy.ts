// `security.policy`: actions, resources, effect, ANDed conditions and group membership (Wippy §4.3).
// Validation only; src/security turns a valid entry into a Policy.
import { z } from 'zod';
import { StringOrListSchema } from './common.js';

export const CONDITION_OPERATORS = [
  'eq', 'ne', 'lt', 'gt', 'lte', 'gte', 'in', 'nin',
  'exists', 'nexists', 'contains', 'ncontains', 'matches', 'nmatches',
] as const;

export const PolicyConditionSchema = z
  .looseObject({
    field: z.string().min(1),
    operator: z.enum(CONDITION_OPERATORS),
    value: z.unknown().optional(),
    value_from: z.string().min(1).optional(),
  })
  .refine((c) => c.value !== undefined || c.value_from !== undefined, {
    message: 'a condition needs "value" or "value_from"',
  });

export const SecurityPolicyDataSchema = z.looseObject({
  policy: z.looseObject({
    actions: StringOrListSchema,
    resources: StringOrListSchema,
    effect: z.enum(['allow', 'deny']),
    conditions: z.array(PolicyConditionSchema).optional(),
  }),
  groups: z.array(z.string().min(1)).optional(),
});

export type SecurityPolicyData = z.infer<typeof SecurityPolicyDataSchema>;
