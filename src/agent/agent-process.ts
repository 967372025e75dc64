// The agent process (host.spawn: its own worker, or a shared process host thread): opens its session,
// announces `ready`, then serves terminal inputs — prompts and resets in order, cancel and queries at once — until stop.
import { AGENT_INPUT_TOPIC, AgentInputGuard, type AgentInput } from '../../schemas/messages/agent.js';
import { statSync } from 'node:fs';
import { EXIT_TOPIC } from '../../schemas/messages/process.js';
import { errorMessage } from '../errors/app-error.js';
import type { ProcessContext } from '../host/process-context.js';
import { logger } from '../log/logger.js';
import { acquireAppRegistry } from '../registry/shared-app-registry.js';
import { AgentArgsGuard, AgentPrepareSchema } from './agent-args.js';
import { eventSender, type EmitEvent } from './agent-events.js';
import { openAgentSession, type AgentSession } from './agent-session.js';
import { runTurn, type TurnOptions } from './step-loop.js';
import { ToolServiceClient } from './tool-service-client.js';
import { writeSavedSession } from './saved-sessions.js';
import { SAVED_SESSION_VERSION } from '../../schemas/saved-session.js';
import { TurnQueue } from './turn-queue.js';

const log = logger('agent.process');

/**
 * On a shared host thread the registry stays open this long after the thread's last session closes, so the
 * next agent process (the next batch prompt) joins it instead of reloading the app and reopening SQLite.
 */
const SHARED_REGISTRY_IDLE_MS = 30_000;

function info(session: AgentSession, what: 'tools' | 'cost'): unknown {
  if (what === 'cost') return session.llm.usage();
  return {
    tools: [...session.tools.byName.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((t) => ({ name: t.name, id: t.entryId, description: t.description })),
    loaded: [...session.loadedTools],
    skipped: session.tools.skipped,
  };
}

/** Saves the conversation after a turn (best effort: a full disk must not end the session). */
function saveConversation(session: AgentSession, file: string): void {
  try {
    writeSavedSession(file, {
      version: SAVED_SESSION_VERSION,
      agent: session.spec.id,
      model: session.modelName(),
      updated: new Date().toISOString(),
      messages: session.conversation.messages(),
      loaded: [...session.loadedTools],
    });
  } catch (err) {
    log.warn({ err, file }, 'the conversation could not be saved');
  }
}

/** Switches the session's model (after the running turn): the model now answering, or why it could not. */
function switchModel(session: AgentSession, name: string): { model: string; agent: string } | { error: string } {
  try {
    session.useModel(name);
    return { model: session.modelName(), agent: session.spec.id };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}

async function guardedTurn(
  session: AgentSession,
  client: ToolServiceClient,
  input: Extract<AgentInput, { type: 'prompt' }>,
  signal: AbortSignal,
  emit: EmitEvent,
  options: TurnOptions,
): Promise<void> {
  try {
    await runTurn(session, client, input, signal, emit, options);
  } catch (err) {
    // A bug or an infrastructure failure (registry refresh): report it; the session stays usable.
    log.error({ err, turn: input.turn }, 'turn failed');
    emit({ type: 'error', turn: input.turn, error: { type: 'internal', message: errorMessage(err) } });
    emit({ type: 'turn_end', turn: input.turn, status: 'failed', steps: 0 });
  }
}

/** How long a registry opened by prepare() waits for its agent to start and join it. */
const PREPARED_REGISTRY_IDLE_MS = 10_000;

/**
 * Prestarted worker (src/cli/agent-prestart.ts), before its start: open the registry the agent will join
 * (loading the app YAML and opening SQLite: ~100 ms here) and load the platform's fetch classes the SDK's
 * first request builds (Headers: ~30 ms), while the terminal's thread still imports and opens its own.
 * A home that does not exist yet is left to the terminal to create (it checks the app definition first).
 */
export function prepare(hint: unknown): void {
  const parsed = AgentPrepareSchema.safeParse(hint);
  if (!parsed.success) return;
  const { home, appDir } = parsed.data;
  void new Headers();
  if (!statSync(home, { throwIfNoEntry: false })?.isDirectory()) return;
  // acquireAppRegistry registers the opening registry before its first await: main(ctx) joins it.
  void acquireAppRegistry(appDir, home, { keepIdleMs: PREPARED_REGISTRY_IDLE_MS }).then(
    (lease) => lease.registry.close(),
    (err: unknown) => log.debug({ err }, 'prepared registry open failed; the agent opens its own'),
  );
}

/** Process entry: returns `{stopped: reason}` when it ends. */
export async function main(ctx: ProcessContext): Promise<unknown> {
  const args = AgentArgsGuard.parse(ctx.args);
  const emit = eventSender(ctx, args.terminal);
  const session = await openAgentSession(args, ctx.placement === 'shared' ? { keepRegistryIdleMs: SHARED_REGISTRY_IDLE_MS } : {});
  if (args.resume) await session.resume(args.resume);
  const save = (): void => {
    if (args.sessionFile !== undefined) saveConversation(session, args.sessionFile);
  };
  const life = new AbortController();
  // Reasons are given: abort() without one builds a DOMException with a stack trace, per process.
  const onCancel = (): void => life.abort('canceled');
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  const client = new ToolServiceClient(ctx, args.toolService);
  const serving = client.serve(life.signal);
  const watching = (async () => {
    for await (const m of ctx.listen(EXIT_TOPIC, life.signal)) {
      if (m.from === args.toolService) client.serviceGone('the tool service has stopped');
    }
  })();
  const queue = new TurnQueue();
  const turnOptions: TurnOptions = { streamChunks: args.streamChunks ?? true };
  let reason = 'canceled';
  try {
    emit({ type: 'ready', agent: session.spec.id, model: session.modelName(), tools: [...session.tools.byName.keys()].sort() });
    for await (const msg of ctx.listen(AGENT_INPUT_TOPIC, life.signal)) {
      const parsed = AgentInputGuard.safeParse(msg.payload);
      if (!parsed.success) {
        log.warn({ from: msg.from, issues: parsed.error.issues }, 'invalid agent input ignored');
        continue;
      }
      const input = parsed.data;
      if (input.type === 'prompt') {
        queue.enqueueTurn(input.turn, async (signal) => {
          await guardedTurn(session, client, input, signal, emit, turnOptions);
          save();
        });
      }
      else if (input.type === 'cancel') queue.cancel(input.turn);
      else if (input.type === 'reset') {
        queue.enqueue(async () => {
          await session.reset();
          save();
        });
      }
      else if (input.type === 'query') emit({ type: 'info', what: input.what, data: info(session, input.what) });
      else if (input.type === 'set_model') queue.enqueue(async () => emit({ type: 'info', what: 'model', data: switchModel(session, input.name) }));
      else {
        reason = 'stop';
        break;
      }
    }
  } finally {
    queue.cancelAll();
    await queue.idle();
    life.abort('stopped');
    ctx.signal.removeEventListener('abort', onCancel);
    await Promise.allSettled([serving, watching]);
    await session.close();
  }
  return { stopped: reason };
}
