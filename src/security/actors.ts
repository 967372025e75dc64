// Well-known actors: the agent, the CLI user and the app definition loader, plus actor construction.
// Actors are frozen plain data ({id, meta}); they cross worker threads and are recorded in history.
import { AppError } from '../errors/app-error.js';
import type { Actor } from './types.js';

/** Makes a frozen actor; throws AppError USAGE for an empty id or non-object meta. */
export function newActor(id: string, meta: Readonly<Record<string, unknown>> = {}): Actor {
  if (typeof id !== 'string' || id.trim() === '') throw new AppError('USAGE', 'an actor needs a non-empty string id');
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new AppError('USAGE', `actor "${id}": meta must be a mapping`);
  }
  return Object.freeze({ id, meta: Object.freeze({ ...meta }) });
}

/** The agent loop and the tools it runs: policies in `app:agent_security` apply to it. */
export const AGENT_ACTOR: Actor = newActor('service:agent', { role: 'agent' });

/** The app definition (YAML) loaded as version 0. */
export const APP_DEFINITION_ACTOR: Actor = newActor('system:app-definition', { role: 'system' });

/** The person at the terminal (commands such as rollback run as this actor). */
export function cliUserActor(user: string = process.env.USER ?? process.env.USERNAME ?? 'local'): Actor {
  return newActor(`user:${user}`, { role: 'user', source: 'cli' });
}
