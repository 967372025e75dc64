// Errors identified by a stable `code` (never instanceof): they cross worker threads as plain data.
// AppError is for failures a user or caller must see; programmer bugs stay ordinary Errors.

export type ErrorCode =
  // registry and store
  | 'REGISTRY_CONFLICT'
  | 'REGISTRY_NOT_FOUND'
  | 'REGISTRY_ALREADY_EXISTS'
  | 'REGISTRY_INVALID_ENTRY'
  | 'REGISTRY_INVALID_ID'
  | 'REGISTRY_EMPTY_CHANGESET'
  | 'REGISTRY_VERSION_NOT_FOUND'
  | 'STORE_FAILED'
  // definition loading
  | 'LOAD_YAML_SYNTAX'
  | 'LOAD_FILE_REF'
  | 'LOAD_DUPLICATE_ID'
  | 'LOAD_INVALID_ENTRY'
  | 'LOAD_IO'
  // security
  | 'SECURITY_DENIED'
  | 'SECURITY_INVALID_POLICY'
  | 'SECURITY_SCOPE_NOT_FOUND'
  // isolates and modules
  | 'ISOLATE_FAILED'
  | 'MODULE_ERROR'
  // llm
  | 'LLM_ERROR'
  // cli / config
  | 'CONFIG_INVALID'
  | 'USAGE';

export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class AppError extends Error implements ErrorData {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  toJSON(): ErrorData {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** True when `err` carries the given stable code (works for errors rebuilt on another thread). */
export function hasCode(err: unknown, code: ErrorCode): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

/** The stable code of an error, if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** Message of anything thrown, for logs and user output. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message;
  }
  return String(err);
}
