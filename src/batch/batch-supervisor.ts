// The supervisor side of a batch: ONE registry (store), ONE isolate pool + draft pool and ONE tool
// service shared by every agent process; spawns agent processes (on warm shared host threads) and routes their events by pid.
import { AGENT_EVENT_TOPIC, AgentEventGuard, type AgentEvent, type AgentInput } from '../../schemas/messages/agent.js';
import { EXIT_TOPIC, ExitNoticeGuard, type ExitNotice } from '../../schemas/messages/process.js';
import { DEFAULT_MAX_STEPS } from '../agent/agent-args.js';
import { startAgentRuntime } from '../agent/runtime.js';
import { startToolService, type ToolService } from '../agent/tool-service.js';
import { openToolRuntime, type ToolRuntime, type ToolRuntimeOptions } from '../cli/tool-runtime.js';
import type { LocalProcess, Pid, Placement } from '../host/process-host.js';
import { logger } from '../log/logger.js';
import { agentWorkerPath } from '../paths.js';
import type { Registry } from '../registry/types.js';

/** The tool runtime's options (--home, --app, env, pool size, warnings) plus what each agent gets. */
export interface BatchSupervisorOptions extends ToolRuntimeOptions {
  /** `--model` for every agent (default: the agent entry's model). */
  readonly model?: string;
  /** Most LLM steps in one turn (default 16). */
  readonly maxSteps?: number;
  /** How long an agent gets to stop before it is killed (default 5000 ms). */
  readonly stopGraceMs?: number;
  /** Agent process module (default dist/workers/agent-worker.js). */
  readonly agentModule?: string;
  /**
   * Where agent processes run (default 'shared': many per process host thread, started before the first
   * prompt with the agent module already imported, so a prompt costs no thread start-up). 'dedicated'
   * gives each prompt a worker of its own (slower to start; kill then terminates the worker).
   */
  readonly agentPlacement?: Placement;
}

/** What happens to one agent process, as the supervisor sees it. */
export interface AgentListener {
  event(e: AgentEvent): void;
  exited(notice: ExitNotice): void;
}

export interface BatchAgent {
  readonly pid: Pid;
  send(input: AgentInput): boolean;
  /** Resolves with the agent's exit notice. */
  exited(): Promise<ExitNotice>;
  /** Ask the agent to stop; kill it after the grace period. */
  stop(): Promise<ExitNotice>;
}

export interface BatchSupervisor {
  readonly home: string;
  readonly registry: Registry;
  readonly toolService: ToolService;
  /** Where agent processes run (BatchSupervisorOptions.agentPlacement). */
  readonly placement: Placement;
  /** Spawn one agent process (its own conversation) using the shared tool service. */
  /** `model` overrides the batch's model for this agent (an input line's "model"). */
  spawnAgent(listener: AgentListener, options?: { readonly model?: string }): BatchAgent;
  /** Agent processes alive now. */
  agents(): number;
  close(): Promise<void>;
}

const log = logger('batch.supervisor');

export async function openBatchSupervisor(options: BatchSupervisorOptions): Promise<BatchSupervisor> {
  const tools = await openToolRuntime(options);
  try {
    const placement = options.agentPlacement ?? 'shared';
    const shared = placement === 'shared';
    if (shared) await tools.host.warm({ preload: [options.agentModule ?? agentWorkerPath()] });
    const toolService = startToolService({ host: tools.host, registry: tools.session.registry, pool: tools.pool });
    const supervisor = new Supervisor(options, placement, tools, tools.host.local(), toolService);
    if (shared) await supervisor.warmAgents();
    return supervisor;
  } catch (err) {
    await tools.close();
    throw err;
  }
}

class Supervisor implements BatchSupervisor {
  readonly home: string;
  readonly registry: Registry;
  readonly #listeners = new Map<Pid, AgentListener>();
  readonly #alive = new Set<Pid>();
  readonly #pumping: Promise<void>;
  #closed = false;

  constructor(
    private readonly options: BatchSupervisorOptions,
    readonly placement: Placement,
    private readonly tools: ToolRuntime,
    private readonly terminal: LocalProcess,
    readonly toolService: ToolService,
  ) {
    const session = tools.session;
    this.home = session.home;
    this.registry = session.registry;
    this.#pumping = this.#pump();
  }

  /** One loop reads the terminal's mailbox and hands each event or exit notice to its agent's listener. */
  async #pump(): Promise<void> {
    for await (const msg of this.terminal.listen()) {
      const listener = this.#listeners.get(msg.from);
      if (!listener) continue;
      if (msg.topic === AGENT_EVENT_TOPIC) {
        const parsed = AgentEventGuard.safeParse(msg.payload);
        if (parsed.success) listener.event(parsed.data);
        else log.warn({ from: msg.from, issues: parsed.error.issues }, 'invalid agent event ignored');
      } else if (msg.topic === EXIT_TOPIC) {
        const parsed = ExitNoticeGuard.safeParse(msg.payload);
        this.#listeners.delete(msg.from);
        listener.exited(parsed.success ? parsed.data : { pid: msg.from, reason: 'crash' });
      }
    }
  }

  spawnAgent(listener: AgentListener, options: { readonly model?: string } = {}): BatchAgent {
    return this.#spawn(listener, false, options.model);
  }

  #spawn(listener: AgentListener, dry: boolean, model = this.options.model): BatchAgent {
    if (this.#closed) throw new Error('the batch supervisor is closed');
    const { session, pool, host } = this.tools;
    const runtime = startAgentRuntime({
      host,
      registry: session.registry,
      pool,
      home: session.home,
      appDir: session.appDir,
      env: this.options.env,
      terminal: this.terminal.pid,
      toolService: this.toolService,
      maxSteps: this.options.maxSteps ?? DEFAULT_MAX_STEPS,
      placement: this.placement,
      // Batch results keep only the answer: no chunk events to route.
      streamChunks: false,
      ...(dry ? { dry: true } : {}),
      ...(model !== undefined ? { model } : {}),
      ...(this.options.agentModule !== undefined ? { module: this.options.agentModule } : {}),
      ...(this.options.stopGraceMs !== undefined ? { stopGraceMs: this.options.stopGraceMs } : {}),
    });
    const pid = runtime.agentPid;
    this.#listeners.set(pid, listener);
    this.#alive.add(pid);
    void runtime.exited().then(() => this.#alive.delete(pid));
    return { pid, send: (input) => runtime.send(input), exited: () => runtime.exited(), stop: () => runtime.stop() };
  }

  /**
   * One dry agent per host thread answers one prompt (AgentArgs.dry: the dry transport's loopback server
   * answers, nothing is sent to the model) and stops. Each thread then holds the app registry open (kept
   * idle, see agent-process.ts) and has run the session, step loop, SDK and HTTP client once, so the first
   * wave's prompts do not pay for code running for the first time (measured: the first wave of a fresh
   * batch took 150-180 ms per 100 ms step, later waves ~107). A warm-up agent that fails is ignored (the
   * prompts will report the same failure as their own).
   */
  async warmAgents(): Promise<void> {
    const agents = Array.from({ length: this.tools.host.hostThreads() }, () => {
      let answered!: () => void;
      const done = new Promise<void>((resolve) => (answered = resolve));
      const agent = this.#spawn({ event: (e) => e.type === 'turn_end' && answered(), exited: () => answered() }, true);
      if (!agent.send({ type: 'prompt', turn: 1, text: 'warm-up' })) answered();
      return { agent, done };
    });
    await Promise.all(agents.map(async ({ agent, done }) => {
      await done;
      await agent.stop();
    }));
  }

  agents(): number {
    return this.#alive.size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.toolService.stop();
    } finally {
      this.terminal.exit();
      await this.#pumping;
      await this.tools.close();
    }
  }
}
