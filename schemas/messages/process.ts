// Messages crossing the supervisor <-> process-worker and supervisor <-> process-host-thread boundaries,
// checked against these schemas on both sides. Envelopes are validated; payloads are opaque structured-clone data.
import { z } from 'zod';
import { messageGuard } from '../message-guard.js';

export const PidSchema = z.string().regex(/^<\d+\.\d+>$/, 'pid must look like <0.12>');
export const TopicSchema = z.string().min(1).max(200);

/** Supervisor -> worker. */
export const ToWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('deliver'), from: PidSchema, topic: TopicSchema, payload: z.unknown() }),
  z.object({ type: z.literal('cancel'), reason: z.string() }),
  /** A prestarted worker's process begins (its first message; see src/host/prestart.ts). */
  z.object({ type: z.literal('start'), pid: PidSchema, parent: PidSchema, args: z.unknown() }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

/** The error a process died of, as it crosses a thread. */
export const ProcessErrorSchema = z.object({ message: z.string(), code: z.string().optional(), stack: z.string().optional() });

/** Worker -> supervisor. */
export const FromWorkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('send'), to: PidSchema, topic: TopicSchema, payload: z.unknown() }),
  z.object({ type: z.literal('exit'), result: z.unknown().optional() }),
  z.object({ type: z.literal('crash'), error: ProcessErrorSchema }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;

/** Data handed to a process worker at spawn. */
export const ProcessWorkerDataSchema = z.union([
  z.object({
    pid: PidSchema,
    parent: PidSchema,
    /** Absolute path or file URL of the module exporting `main(ctx)`. */
    module: z.string().min(1),
    args: z.unknown(),
  }),
  /**
   * Prestarted: import `module` now, hand `prepare` to the module's prepare(hint) if it exports one, then wait
   * for the 'start' message (src/host/prestart.ts).
   */
  z.object({ prestart: z.literal(true), module: z.string().min(1), prepare: z.unknown().optional() }),
]);
export type ProcessWorkerData = z.infer<typeof ProcessWorkerDataSchema>;


/**
 * Supervisor -> process host thread (shared placement: many processes on one worker thread).
 * Every message names the process it is about; `preload` imports a process module ahead of its first start.
 */
export const ToHostThreadSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), pid: PidSchema, parent: PidSchema, module: z.string().min(1), args: z.unknown() }),
  z.object({ type: z.literal('preload'), module: z.string().min(1) }),
  z.object({ type: z.literal('deliver'), pid: PidSchema, from: PidSchema, topic: TopicSchema, payload: z.unknown() }),
  z.object({ type: z.literal('cancel'), pid: PidSchema, reason: z.string() }),
  /** Cooperative kill: the process's signal aborts and the thread forgets it (its later messages are dropped). */
  z.object({ type: z.literal('kill'), pid: PidSchema, reason: z.string() }),
]);
export type ToHostThread = z.infer<typeof ToHostThreadSchema>;

/** Process host thread -> supervisor. */
export const FromHostThreadSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: PidSchema }),
  z.object({ type: z.literal('send'), pid: PidSchema, to: PidSchema, topic: TopicSchema, payload: z.unknown() }),
  z.object({ type: z.literal('exit'), pid: PidSchema, result: z.unknown().optional() }),
  z.object({ type: z.literal('crash'), pid: PidSchema, error: ProcessErrorSchema }),
  /** The answer to `preload`: the module is imported (or failed to, with the reason). */
  z.object({ type: z.literal('preloaded'), module: z.string().min(1), error: z.string().optional() }),
]);
export type FromHostThread = z.infer<typeof FromHostThreadSchema>;

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

// Checks of the same schemas for the thread boundaries they guard on hot paths (see schemas/message-guard.ts).
export const ToWorkerGuard = messageGuard(ToWorkerSchema);
export const FromWorkerGuard = messageGuard(FromWorkerSchema);
export const ToHostThreadGuard = messageGuard(ToHostThreadSchema);
export const FromHostThreadGuard = messageGuard(FromHostThreadSchema);
export const ExitNoticeGuard = messageGuard(ExitNoticeSchema);
