// Tools report many failures as data, `{error = "..."}` (the Wippy tools' convention): this reads such a
// value's error message so the agent's tool_result event says ok: false for it, like a raised error.

/** The error message a tool's returned value carries, or undefined when the value is not a failure. */
export function returnedError(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !('error' in value)) return undefined;
  const error = (value as { error: unknown }).error;
  if (error === null || error === undefined || error === false) return undefined;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return JSON.stringify(error);
}
