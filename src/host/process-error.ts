// The plain-data form of what a process died of ({message, code?, stack?}), safe to post across threads.
// Used by both worker entry points (dedicated and shared placement).
import type { z } from 'zod';
import type { ProcessErrorSchema } from '../../schemas/messages/process.js';

export type ProcessError = z.infer<typeof ProcessErrorSchema>;

export function processError(err: unknown): ProcessError {
  const e = err as { message?: unknown; code?: unknown; stack?: unknown };
  return {
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.stack === 'string' ? { stack: e.stack } : {}),
  };
}
