// Messages crossing the supervisor <-> isolate-worker boundary: the call task, the worker's CallResult,
// and host-channel requests. Checked with zod where they arrive; guest values inside stay opaque.
import { z } from 'zod';
import { messageGuard } from '../message-guard.js';

const ActorSchema = z.object({ id: z.string().min(1), meta: z.record(z.string(), z.unknown()) });

const LimitsSchema = z.object({
  timeoutMs: z.number().positive(),
  memoryBytes: z.number().positive(),
  outputBytes: z.number().positive(),
  instructions: z.number().positive(),
  maxDepth: z.number().int().positive(),
});

export const ToolSpecSchema = z.object({
  id: z.string().min(1),
  // Registry version the entry was read at (drafts that are not registered yet use -1).
  version: z.number().int(),
  kind: z.enum(['function.lua', 'function.js']),
  source: z.string(),
  method: z.string().min(1),
  modules: z.array(z.string()),
  trusted: z.boolean(),
  limits: LimitsSchema,
});

/** Supervisor -> worker: one call (the spec by key; the spec itself only when the worker may lack it). */
export const CallTaskSchema = z.object({
  op: z.literal('call'),
  key: z.string().min(1),
  tool: ToolSpecSchema.optional(),
  input: z.unknown(),
  actor: ActorSchema,
  deadline: z.number().nonnegative(),
  depth: z.number().int().nonnegative(),
  context: z.record(z.string(), z.unknown()).optional(),
  slot: z.number().int(),
});

/** Most tools one 'prepare' task may name (the pool sends its few most recent). */
export const MAX_PREPARE_TOOLS = 16;

/** Supervisor -> worker: warm the worker for these tools (specs stored by key; nothing of the tool runs). */
export const PrepareTaskSchema = z.object({
  op: z.literal('prepare'),
  tools: z.array(z.object({ key: z.string().min(1), tool: ToolSpecSchema })).max(MAX_PREPARE_TOOLS),
});

const IsolateErrorSchema = z.object({
  kind: z.enum([
    'CompileError', 'RuntimeError', 'ToolError', 'Timeout', 'InstructionLimit', 'MemoryLimit', 'OutputLimit',
    'StackOverflow', 'PermissionDenied', 'ModuleNotFound', 'NotFound', 'InvalidInput', 'Canceled', 'Internal',
  ]),
  message: z.string(),
  line: z.number().optional(),
  errorKind: z.string().optional(),
});

const StatsSchema = z.object({ ms: z.number(), memoryBytes: z.number().optional() });

const OkResultSchema = z.object({ status: z.literal('ok'), value: z.unknown(), stats: StatsSchema, logs: z.array(z.string()).optional() });
const ErrorResultSchema = z.object({ status: z.literal('error'), error: IsolateErrorSchema, stats: StatsSchema, logs: z.array(z.string()).optional() });

/** The result of one call. */
export const CallResultSchema = z.discriminatedUnion('status', [OkResultSchema, ErrorResultSchema]);

/**
 * Beside a call's result (worker -> supervisor): the host-channel call whose supervisor-side handles can
 * go now that the call ended. Carried on the reply, so ending a call costs no message of its own.
 */
export const HostReleaseSchema = z.object({ channel: z.string().min(1), callId: z.number().int() });

/** Worker -> supervisor: the answer to a 'prepare' task (how many tools it built something for). */
export const PreparedSchema = z.object({ status: z.literal('prepared'), count: z.number().int().nonnegative() });

/** Worker -> supervisor on the host channel (tag `__microAgiHostChannel`). */
export const HostChannelMessageSchema = z.discriminatedUnion('__microAgiHostChannel', [
  z.object({
    __microAgiHostChannel: z.literal('call'),
    channel: z.string().min(1),
    // The channel's response buffer: on its first request (and after a timed-out wait) only.
    sab: z.instanceof(SharedArrayBuffer).optional(),
    seq: z.number().int().positive(),
    callId: z.number().int().nonnegative(),
    module: z.string().min(1),
    fn: z.string().min(1),
    args: z.array(z.unknown()),
    entryId: z.string().min(1),
    trusted: z.boolean(),
    actor: ActorSchema,
    deadline: z.number().nonnegative(),
    depth: z.number().int().nonnegative(),
  }),
  z.object({ __microAgiHostChannel: z.literal('release'), channel: z.string().min(1), callId: z.number().int().nonnegative() }),
]);

// Checks of the same schemas for the thread boundaries they guard on hot paths (see schemas/message-guard.ts).
export const CallTaskGuard = messageGuard(CallTaskSchema);
export const PrepareTaskGuard = messageGuard(PrepareTaskSchema);
export const CallResultGuard = messageGuard(CallResultSchema);
export const HostReleaseGuard = messageGuard(HostReleaseSchema);
export const HostChannelMessageGuard = messageGuard(HostChannelMessageSchema);
