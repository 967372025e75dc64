// Messages crossing the supervisor <-> process-worker boundary, checked with zod on both sides.
// The envelope is validated; payloads are opaque structured-clone data owned by the topic's protocol.
import { z } from 'zod';

export const PidSchema = z.string().regex(/^<\d+\.\d+>$/, 'pid must look like <0.12>');
export const TopicSchema = z.string().min(1).max(200);

/** Supervisor -> worker. */
export const ToWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deliver'), from: PidSchema, topic: TopicSchema, payload: z.unknown() }),
  z.object({ type: z.literal('cancel'), reason: z.string() }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/** Worker -> supervisor. */
export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('send'), to: PidSchema, topic: TopicSchema, payload: z.unknown() }),
  z.object({ type: z.literal('exit'), result: z.unknown().optional() }),
  z.object({
    type: z.literal('crash'),
    error: z.object({ message: z.string(), code: z.string().optional(), stack: z.string().optional() }),
  }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;

/** Data handed to a process worker at spawn. */
export const ProcessWorkerDataSchema = z.object({
  pid: PidSchema,
  parent: PidSchema,
  /** Absolute path or file URL of the module exporting `main(ctx)`. */
  module: z.string().min(1),
  args: z.unknown(),
});
export type ProcessWorkerData = z.infer<typeof ProcessWorkerDataSchema>;

/** The exit notice delivered to monitors on topic EXIT_TOPIC. */
export const ExitNoticeSchema = z.object({
  pid: PidSchema,
  reason: z.enum(['normal', 'crash', 'killed', 'shutdown']),
  result: z.unknown().optional(),
  error: z.object({ message: z.string(), code: z.string().optional() }).optional(),
});
export type ExitNotice = z.infer<typeof ExitNoticeSchema>;

export const EXIT_TOPIC = '@exit';
export const CANCEL_TOPIC = '@cancel';
