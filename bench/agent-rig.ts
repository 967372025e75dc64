// The bench's in-process agent stack, wired as src/cli/agent-session.ts does: a temp home with a SQLite
// registry and the built-in app, the isolate pool (+ draft pool) with create_tool's services, and the runtime.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_EVENT_TOPIC, type AgentEvent } from '../schemas/messages/agent.js';
import { EXIT_TOPIC } from '../schemas/messages/process.js';
import { startAgentRuntime, type AgentRuntime } from '../src/agent/runtime.js';
import { openSession, type Session } from '../src/cli/bootstrap.js';
import { AGENT_SCOPE_GROUP } from '../src/cli/agent-session.js';
import { toolEnv, toolModuleConfig } from '../src/cli/tool-env.js';
import { ProcessHost, type LocalProcess } from '../src/host/process-host.js';
import { createIsolatePool, type IsolatePool } from '../src/isolates/pool.js';
import { NET_SERVICE, netPolicyFrom } from '../src/modules/net-guard.js';
import { authoringModules, createDraftPool, type DraftPool, type ToolsServices } from '../src/modules/tools-services.js';

/** Time spent inside the isolate pool's callEntry (the sandboxed tool execution, as the tool service sees it). */
export interface PoolClock {
  ms: number;
  calls: number;
}

/** The pool with callEntry timed into `clock` (nested calls run inside the outer call, so they are included once). */
function timedPool(pool: IsolatePool, clock: PoolClock): IsolatePool {
  return {
    call: (spec, input, options) => pool.call(spec, input, options),
    async callEntry(entry, version, input, options) {
      const t0 = performance.now();
      try {
        return await pool.callEntry(entry, version, input, options);
      } finally {
        clock.ms += performance.now() - t0;
        clock.calls++;
      }
    },
    ping: () => pool.ping(),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}

export interface AgentRig {
  readonly session: Session;
  /** The timed pool (what the runtime uses). */
  readonly pool: IsolatePool;
  readonly clock: PoolClock;
  /** Start the agent process and wait for its `ready` event (at most once). */
  startAgent(env: Readonly<Record<string, string | undefined>>): Promise<void>;
  /** Run one prompt through the agent; resolves with the turn's events, turn_end last. */
  prompt(text: string): Promise<AgentEvent[]>;
  reset(): void;
  close(): Promise<void>;
}

export interface AgentRigOptions {
  /** Isolate worker threads (default 2, the machine's cores). */
  readonly poolSize?: number;
}

export async function createAgentRig(options: AgentRigOptions = {}): Promise<AgentRig> {
  const home = await mkdtemp(join(tmpdir(), 'micro-agi-bench-'));
  const env: NodeJS.ProcessEnv = {};
  const session = await openSession({ home, env });
  const net = netPolicyFrom(undefined, env);
  const drafts: DraftPool = createDraftPool({ services: { [NET_SERVICE]: net } });
  const services: ToolsServices = {
    registry: session.registry,
    scopeGroup: AGENT_SCOPE_GROUP,
    env: toolEnv(env),
    [NET_SERVICE]: net,
    ...drafts.services,
  };
  const inner = createIsolatePool({ services, ...authoringModules(), moduleConfig: toolModuleConfig(env), size: options.poolSize ?? 2 });
  const clock: PoolClock = { ms: 0, calls: 0 };
  const pool = timedPool(inner, clock);
  const host = new ProcessHost();
  const terminal: LocalProcess = host.local();
  let runtime: AgentRuntime | undefined;
  let turn = 0;
  const waiters = new Map<string, (e: AgentEvent | Error) => void>();
  const byTurn = new Map<number, AgentEvent[]>();
  let exited: string | undefined;

  const listening = (async () => {
    for await (const m of terminal.listen()) {
      if (m.topic === EXIT_TOPIC) {
        exited = JSON.stringify(m.payload);
        for (const w of waiters.values()) w(new Error(`the agent exited: ${exited}`));
        waiters.clear();
        continue;
      }
      if (m.topic !== AGENT_EVENT_TOPIC) continue;
      const e = m.payload as AgentEvent;
      if ('turn' in e) {
        const list = byTurn.get(e.turn) ?? [];
        list.push(e);
        byTurn.set(e.turn, list);
      }
      const key = e.type === 'turn_end' ? `end:${e.turn}` : e.type;
      const w = waiters.get(key);
      if (w) {
        waiters.delete(key);
        w(e);
      }
    }
  })();

  const waitFor = (key: string): Promise<AgentEvent> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`the agent exited: ${exited}`));
      waiters.set(key, (e) => (e instanceof Error ? reject(e) : resolve(e)));
    });

  return {
    session,
    pool,
    clock,
    async startAgent(agentEnv) {
      if (runtime) return;
      const ready = waitFor('ready');
      runtime = startAgentRuntime({
        host,
        registry: session.registry,
        pool,
        home: session.home,
        appDir: session.appDir,
        env: agentEnv,
        terminal: terminal.pid,
      });
      await ready;
    },
    async prompt(text) {
      if (!runtime) throw new Error('start the agent first');
      const t = ++turn;
      const end = waitFor(`end:${t}`);
      runtime.send({ type: 'prompt', turn: t, text });
      await end;
      const events = byTurn.get(t) ?? [];
      byTurn.delete(t);
      return events;
    },
    reset() {
      runtime?.send({ type: 'reset' });
    },
    async close() {
      try {
        if (runtime) await runtime.stop();
      } finally {
        terminal.exit();
        await host.shutdown();
        await listening;
        await pool.close();
        await drafts.close();
        await session.close();
        await rm(home, { recursive: true, force: true });
      }
    },
  };
}
