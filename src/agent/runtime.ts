// The supervisor side of the agent: starts the tool service and spawns the agent process (its own worker,
// or a shared process host thread); the CLI talks to it with send(AgentInput) and receives AgentEvents at the terminal pid.
import type { Resume } from '../../schemas/saved-session.js';
import { AGENT_INPUT_TOPIC, AgentInputGuard, type AgentInput } from '../../schemas/messages/agent.js';
import type { ExitNotice } from '../../schemas/messages/process.js';
import type { PrestartedWorker } from '../host/prestart.js';
import type { Pid, Placement, ProcessHost } from '../host/process-host.js';
import type { IsolatePool } from '../isolates/pool.js';
import { agentWorkerPath } from '../paths.js';
import type { Registry, Snapshot } from '../registry/types.js';
import { DEFAULT_AGENT_ID, DEFAULT_MAX_STEPS, type AgentArgs } from './agent-args.js';
import { providerEnv } from './agent-env.js';
import { startToolService, type ToolService } from './tool-service.js';

export interface AgentRuntimeOptions {
  readonly host: ProcessHost;
  /** The supervisor's registry (the tool service refreshes it before each call). */
  readonly registry: Registry;
  readonly pool: IsolatePool;
  /** Home directory: the agent process opens <home>/registry.db itself. */
  readonly home: string;
  /** App definition directory (version 0 for the agent's registry). */
  readonly appDir: string;
  /** Default app:dev_assistant. */
  readonly agentId?: string;
  /** Model name or class overriding the agent entry's. */
  readonly model?: string;
  /** Where provider settings come from (only OPENAI_* and provider-named variables are passed on). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Steps per turn (default 16). */
  readonly maxSteps?: number;
  /** Receives every AgentEvent (topic agent.event) and the agent's exit notice (topic @exit). */
  readonly terminal: Pid;
  /** Per-tool-call wall-clock cap in ms (default: each entry's own timeout). */
  readonly callTimeoutMs?: number;
  /** Compression trigger share of the context window (default 0.75) and target chars (default 4000). */
  readonly compressAt?: number;
  readonly compressChars?: number;
  /** Characters of one tool result the model gets (default 40000; the tool_result event keeps it whole). */
  readonly maxResultChars?: number;
  /**
   * Stream chunk and thinking events to the terminal (default true). False for a terminal that shows only
   * the final answer (batch): fewer messages per step; the answer event is unchanged.
   */
  readonly streamChunks?: boolean;
  /** How long stop() waits for the agent to finish before killing it (default 5000 ms). */
  readonly stopGraceMs?: number;
  /** A dry agent (see AgentArgs.dry): its model answers "ok" from its own thread, nothing is sent (default false). */
  readonly dry?: boolean;
  /** Save the conversation to this file after every turn (AgentArgs.sessionFile). Default: not saved. */
  readonly sessionFile?: string;
  /** A saved conversation to go on from (AgentArgs.resume). */
  readonly resume?: Resume;
  /** Agent process module (default dist/workers/agent-worker.js). */
  readonly module?: string;
  /** A tool service to share (batch: one for every agent); the runtime then neither starts nor stops it. */
  readonly toolService?: ToolService;
  /**
   * Where the agent process runs (default 'dedicated': a worker of its own, what the interactive CLI uses).
   * 'shared' puts it on one of the host's process host threads: nearly free to start once warm (batch).
   */
  readonly placement?: Placement;
  /** The agent's worker, started (and importing the agent) before the rest was ready: see src/host/prestart.ts. */
  readonly prestarted?: PrestartedWorker;
}

export interface AgentRuntime {
  readonly agentPid: Pid;
  readonly toolServicePid: Pid;
  /** Deliver one input to the agent (validated); false when the agent is gone. */
  send(input: AgentInput): boolean;
  /** Resolves with the agent's exit notice. */
  exited(): Promise<ExitNotice>;
  /** Ask the agent to stop (kill after the grace period), then stop the tool service. */
  stop(): Promise<ExitNotice>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** providerEnv per (snapshot, env object): a batch spawns one agent per prompt with the same two. */
const providerEnvs = new WeakMap<Snapshot, WeakMap<Env, Record<string, string>>>();

function agentEnv(env: Env, snapshot: Snapshot): Record<string, string> {
  let byEnv = providerEnvs.get(snapshot);
  if (!byEnv) providerEnvs.set(snapshot, (byEnv = new WeakMap()));
  let out = byEnv.get(env);
  if (!out) byEnv.set(env, (out = providerEnv(env, snapshot)));
  return out;
}

export function startAgentRuntime(options: AgentRuntimeOptions): AgentRuntime {
  const { host } = options;
  const shared = options.toolService;
  const service =
    shared ??
    startToolService({
      host,
      registry: options.registry,
      pool: options.pool,
      ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
    });
  const stopService = (): Promise<void> => (shared ? Promise.resolve() : service.stop());
  const args: AgentArgs = {
    agentId: options.agentId ?? DEFAULT_AGENT_ID,
    home: options.home,
    appDir: options.appDir,
    toolService: service.pid,
    terminal: options.terminal,
    maxSteps: options.maxSteps ?? DEFAULT_MAX_STEPS,
    env: agentEnv(options.env, options.registry.current()),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.compressAt !== undefined ? { compressAt: options.compressAt } : {}),
    ...(options.compressChars !== undefined ? { compressChars: options.compressChars } : {}),
    ...(options.maxResultChars !== undefined ? { maxResultChars: options.maxResultChars } : {}),
    ...(options.streamChunks === false ? { streamChunks: false } : {}),
    ...(options.dry ? { dry: true } : {}),
    ...(options.sessionFile !== undefined ? { sessionFile: options.sessionFile } : {}),
    ...(options.resume !== undefined ? { resume: options.resume } : {}),
  };
  let agentPid: Pid;
  try {
    agentPid = host.spawn<AgentArgs>({
      module: options.module ?? agentWorkerPath(),
      args,
      monitors: [options.terminal],
      placement: options.placement ?? 'dedicated',
      ...(options.prestarted ? { prestarted: options.prestarted } : {}),
    });
  } catch (err) {
    void stopService();
    throw err;
  }
  // The agent learns when the service ends; the service ends when the agent does.
  host.monitor(agentPid, service.pid);
  const exited = host.wait(agentPid);
  void exited.then(stopService);

  return {
    agentPid,
    toolServicePid: service.pid,
    send(input) {
      return host.send(options.terminal, agentPid, AGENT_INPUT_TOPIC, AgentInputGuard.parse(input));
    },
    exited: () => exited,
    async stop() {
      host.send(options.terminal, agentPid, AGENT_INPUT_TOPIC, { type: 'stop' } satisfies AgentInput);
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.stopGraceMs ?? 5000);
      });
      const first = await Promise.race([exited, grace]);
      clearTimeout(timer);
      if (first === 'timeout') await host.kill(agentPid);
      await stopService();
      return exited;
    },
  };
}
