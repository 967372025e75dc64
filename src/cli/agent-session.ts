// The terminal's side of an agent session: opens the registry, the isolate pool (its first worker with the
// first prompt), the process host, the terminal's local process and the agent runtime; runs turns by events.
import { AGENT_EVENT_TOPIC, AgentEventGuard, type AgentEvent, type AgentInput } from '../../schemas/messages/agent.js';
import { EXIT_TOPIC, ExitNoticeGuard, type ExitNotice } from '../../schemas/messages/process.js';
import { startAgentRuntime, type AgentRuntime } from '../agent/runtime.js';
import type { PrestartedWorker } from '../host/prestart.js';
import type { LocalProcess } from '../host/process-host.js';
import { logger } from '../log/logger.js';
import { openToolRuntime, type ToolRuntime, type ToolRuntimeOptions } from './tool-runtime.js';
import { newSessionFile, readSavedSession, sessionsDir, sessionToResume } from '../agent/saved-sessions.js';
import { AppError } from '../errors/app-error.js';
import type { Resume } from '../../schemas/saved-session.js';

export { AGENT_SCOPE_GROUP } from './tool-runtime.js';

/** The tool runtime's options (--home, --app, env, pool size, warnings) plus the agent's own. */
export interface AgentSessionOptions extends ToolRuntimeOptions {
  /** `--model`: a model entry name or a provider model name; default the agent's own model. */
  readonly model?: string;
  /** Most LLM steps in one turn (default: the runtime's). */
  readonly maxSteps?: number;
  /** `--continue`: go on from the newest saved conversation of the home (and keep saving into it). */
  readonly continue?: boolean;
  /** `--resume ID`: go on from that saved conversation (an id or its unique prefix; see `micro-agi sessions`). */
  readonly resume?: string;
  /**
   * The agent's worker, started before this module was even imported (agentPrestart): it boots and imports
   * the agent while the supervisor opens the registry and the pools. Consumed (adopted or stopped) here.
   */
  readonly prestarted?: PrestartedWorker;
}

export type TurnStatus = Extract<AgentEvent, { type: 'turn_end' }>['status'];

export interface TurnOutcome {
  readonly status: TurnStatus;
  readonly steps: number;
}

export interface RunningTurn {
  readonly turn: number;
  /** Settles when the agent ends the turn (or its process dies: status failed). */
  readonly done: Promise<TurnOutcome>;
}

export type AgentInfo = Extract<AgentEvent, { type: 'ready' }>;

export interface AgentSession {
  readonly home: string;
  /** The agent's announcement (agent id, model, tools), once it arrived. */
  readonly info: AgentInfo | undefined;
  /** Send a prompt; every event of this turn goes to `onEvent` (the synthesized failure too). */
  prompt(text: string, onEvent: (event: AgentEvent) => void): RunningTurn;
  /** Cancel the running turn; false when none runs. */
  cancel(): boolean;
  /** Forget the conversation (loaded tools stay). */
  reset(): void;
  /** Ask the agent for the offered tools or the session's usage and cost. */
  query(what: 'tools' | 'cost'): Promise<unknown>;
  /**
   * Answer the next turns with `model` (after the running one): resolves with the model now answering, or
   * `{error}` naming why not; `info.model` follows.
   */
  setModel(model: string): Promise<{ model: string; agent: string } | { error: string }>;
  close(): Promise<void>;
}

interface ActiveTurn {
  readonly turn: number;
  readonly onEvent: (event: AgentEvent) => void;
  readonly resolve: (outcome: TurnOutcome) => void;
}

interface PendingQuery {
  readonly what: Extract<AgentEvent, { type: 'info' }>['what'];
  readonly resolve: (data: unknown) => void;
  readonly reject: (err: Error) => void;
}

const log = logger('terminal');

/** Open everything an agent session needs. Throws AppError for a bad --app (nothing is written then). */
export async function openAgentSession(options: AgentSessionOptions): Promise<AgentSession> {
  let tools: ToolRuntime;
  try {
    tools = await openToolRuntime({ ...options, poolStart: 'idle' });
  } catch (err) {
    options.prestarted?.dispose();
    throw err;
  }
  try {
    const { model, ...conversation } = savedConversation(tools.session.home, options);
    const terminal = tools.host.local();
    // The runtime makes the terminal a monitor of the agent: its exit notice arrives on EXIT_TOPIC.
    const runtime = startAgentRuntime({
      host: tools.host,
      registry: tools.session.registry,
      pool: tools.pool,
      home: tools.session.home,
      appDir: tools.session.appDir,
      env: options.env,
      terminal: terminal.pid,
      ...(model !== undefined ? { model } : {}),
      ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      ...(options.prestarted ? { prestarted: options.prestarted } : {}),
      ...conversation,
    });
    return new TerminalSession(tools, terminal, runtime);
  } catch (err) {
    options.prestarted?.dispose(); // a no-op once spawn adopted it
    await tools.close();
    throw err;
  }
}

class TerminalSession implements AgentSession {
  readonly home: string;
  info: AgentInfo | undefined;
  #turns = 0;
  #active: ActiveTurn | undefined;
  #queries: PendingQuery[] = [];
  #exited: ExitNotice | undefined;
  #closed = false;

  constructor(
    private readonly tools: ToolRuntime,
    private readonly terminal: LocalProcess,
    private readonly runtime: AgentRuntime,
  ) {
    this.home = tools.session.home;
    void this.#pumpEvents();
    void this.#watchAgent();
  }

  async #pumpEvents(): Promise<void> {
    for await (const message of this.terminal.listen(AGENT_EVENT_TOPIC)) {
      const parsed = AgentEventGuard.safeParse(message.payload);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues }, 'invalid agent event ignored');
        continue;
      }
      this.#dispatch(parsed.data);
    }
  }

  async #watchAgent(): Promise<void> {
    let message;
    do message = await this.terminal.receive(EXIT_TOPIC);
    while (message && message.from !== this.runtime.agentPid);
    if (!message) return;
    const notice = ExitNoticeGuard.safeParse(message.payload);
    this.#exited = notice.success ? notice.data : { pid: this.runtime.agentPid, reason: 'crash' };
    if (this.#closed) return;
    const why = this.#exitText();
    log.debug({ notice: this.#exited }, 'the agent process ended');
    for (const q of this.#queries.splice(0)) q.reject(new Error(why));
    const active = this.#active;
    if (active) this.#fail(active, why);
  }

  #exitText(): string {
    const n = this.#exited;
    if (!n) return 'the agent process is not running';
    const detail = n.error?.message ? `: ${n.error.message}` : '';
    return `the agent process ended (${n.reason}${detail})`;
  }

  #fail(active: ActiveTurn, message: string): void {
    active.onEvent({ type: 'error', turn: active.turn, error: { type: 'internal', message } });
    this.#finish(active, { type: 'turn_end', turn: active.turn, status: 'failed', steps: 0 });
  }

  #finish(active: ActiveTurn, end: Extract<AgentEvent, { type: 'turn_end' }>): void {
    if (this.#active !== active) return;
    this.#active = undefined;
    active.onEvent(end);
    active.resolve({ status: end.status, steps: end.steps });
  }

  #dispatch(event: AgentEvent): void {
    switch (event.type) {
      case 'ready':
        this.info = event;
        if (this.#active) this.tools.pool.warm?.(); // a prompt typed early: see prompt()
        return;
      case 'info': {
        const i = this.#queries.findIndex((q) => q.what === event.what);
        if (i >= 0) this.#queries.splice(i, 1)[0]!.resolve(event.data);
        return;
      }
      default: {
        const active = this.#active;
        // Late events of a finished (e.g. canceled) turn are dropped.
        if (!active || event.turn !== active.turn) return;
        if (event.type === 'turn_end') this.#finish(active, event);
        else active.onEvent(event);
      }
    }
  }

  prompt(text: string, onEvent: (event: AgentEvent) => void): RunningTurn {
    if (this.#active) throw new Error(`turn ${this.#active.turn} is still running`);
    const turn = ++this.#turns;
    let resolve!: (o: TurnOutcome) => void;
    const done = new Promise<TurnOutcome>((r) => (resolve = r));
    const active: ActiveTurn = { turn, onEvent, resolve };
    this.#active = active;
    if (this.#exited) this.#fail(active, this.#exitText());
    else {
      // Tool calls may come from this turn on: the first isolate worker boots while the model answers (a
      // call would start it anyway); an idle prompt holds none, and the agent's own boot goes first.
      if (this.info) this.tools.pool.warm?.();
      this.runtime.send({ type: 'prompt', turn, text });
    }
    return { turn, done };
  }

  cancel(): boolean {
    const active = this.#active;
    if (!active || this.#exited) return false;
    this.runtime.send({ type: 'cancel', turn: active.turn });
    return true;
  }

  reset(): void {
    if (!this.#exited) this.runtime.send({ type: 'reset' });
  }

  query(what: 'tools' | 'cost'): Promise<unknown> {
    return this.#ask(what, { type: 'query', what });
  }

  async setModel(model: string): Promise<{ model: string; agent: string } | { error: string }> {
    const data = (await this.#ask('model', { type: 'set_model', name: model })) as { model?: unknown; agent?: unknown; error?: unknown };
    if (typeof data?.model === 'string' && typeof data.agent === 'string') {
      if (this.info) this.info = { ...this.info, model: data.model };
      return { model: data.model, agent: data.agent };
    }
    return { error: typeof data?.error === 'string' ? data.error : 'the agent did not switch models' };
  }

  /** Sends `input` and resolves with the data of the agent's next info event of kind `what`. */
  #ask(what: PendingQuery['what'], input: AgentInput): Promise<unknown> {
    if (this.#exited) return Promise.reject(new Error(this.#exitText()));
    return new Promise((resolve, reject) => {
      this.#queries.push({ what, resolve, reject });
      this.runtime.send(input);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.runtime.stop();
    } finally {
      this.terminal.exit(); // closes the mailbox: the event and exit loops end
      await this.tools.close();
    }
  }
}

/** Session options from the command line (--home, --app, --model) and the environment. */
export function sessionOptionsFrom(
  flags: {
    readonly home?: string | undefined;
    readonly app?: string | undefined;
    readonly model?: string | undefined;
    readonly continue?: boolean | undefined;
    readonly resume?: string | undefined;
  },
  env: NodeJS.ProcessEnv,
  onWarning?: (warning: string) => void,
): AgentSessionOptions {
  return {
    env,
    ...(flags.continue === true ? { continue: true } : {}),
    ...(flags.resume !== undefined ? { resume: flags.resume } : {}),
    ...(flags.home !== undefined ? { home: flags.home } : {}),
    ...(flags.app !== undefined ? { app: flags.app } : {}),
    ...(flags.model !== undefined ? { model: flags.model } : {}),
    ...(onWarning ? { onWarning } : {}),
  };
}

/**
 * Where this session's conversation is saved, what it resumes and with which model: `--continue` takes the
 * newest saved one of the home (`--resume ID` the one named) (an AppError when there is none or it cannot be read) and the model it last
 * used unless --model names one; otherwise a new file. Nothing is saved with MICRO_AGI_SAVE_SESSIONS=0.
 */
function savedConversation(home: string, options: AgentSessionOptions): { sessionFile?: string; resume?: Resume; model?: string } {
  const saving = options.env.MICRO_AGI_SAVE_SESSIONS !== '0';
  const model = options.model !== undefined ? { model: options.model } : {};
  if (options.continue || options.resume !== undefined) {
    const file = sessionToResume(home, options.resume);
    if (file === undefined) throw new AppError('USAGE', `no earlier conversation to continue in ${sessionsDir(home)} (start one without --continue)`);
    const saved = readSavedSession(file);
    return { resume: { messages: saved.messages, loaded: saved.loaded }, model: options.model ?? saved.model, ...(saving ? { sessionFile: file } : {}) };
  }
  return { ...model, ...(saving ? { sessionFile: newSessionFile(home) } : {}) };
}
