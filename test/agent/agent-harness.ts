// End-to-end harness for the agent tests: a temp home with a real SQLite registry, a real isolate pool,
// a ProcessHost, the fake OpenAI server, and a local "terminal" process collecting AgentEvents.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_EVENT_TOPIC, type AgentEvent, type AgentInput } from '../../schemas/messages/agent.js';
import { EXIT_TOPIC, type ExitNotice } from '../../schemas/messages/process.js';
import type { Entry } from '../../schemas/entry.js';
import { startAgentRuntime, type AgentRuntime, type AgentRuntimeOptions } from '../../src/agent/runtime.js';
import { ProcessHost, type LocalProcess } from '../../src/host/process-host.js';
import { createIsolatePool, type IsolatePool } from '../../src/isolates/pool.js';
import { builtinAppDir } from '../../src/paths.js';
import { loadDefinitions } from '../../src/registry/loader.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Registry } from '../../src/registry/types.js';
import { newActor } from '../../src/security/actors.js';
import { registryDbPath } from '../../src/store/home.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai.js';

export type TurnEnd = Extract<AgentEvent, { type: 'turn_end' }>;

export interface AgentHarness {
  readonly home: string;
  readonly registry: Registry;
  readonly pool: IsolatePool;
  readonly host: ProcessHost;
  readonly fake: FakeOpenAI;
  readonly terminal: LocalProcess;
  /** Every event received so far, in arrival order. */
  readonly events: AgentEvent[];
  runtime: AgentRuntime | undefined;
  /** Start the agent and wait for its `ready` event. */
  start(options?: Partial<AgentRuntimeOptions>): Promise<Extract<AgentEvent, { type: 'ready' }>>;
  send(input: AgentInput): void;
  /** The first event (already received or future) matching `pred`. */
  waitFor<T extends AgentEvent>(pred: (e: AgentEvent) => e is T): Promise<T>;
  waitFor(pred: (e: AgentEvent) => boolean): Promise<AgentEvent>;
  /** Send a prompt with the next turn number; resolves with that turn's events once it ended. */
  prompt(text: string): Promise<{ turn: number; end: TurnEnd; events: AgentEvent[] }>;
  /** Send a prompt without waiting; returns its turn number. */
  promptAsync(text: string): number;
  turnEnd(turn: number): Promise<{ end: TurnEnd; events: AgentEvent[] }>;
  /** Write entries into the registry (as a test fixture, no scope). */
  put(...entries: Entry[]): Promise<void>;
  /** The agent's exit notice as the terminal (a monitor) received it. */
  exitNotice(): Promise<ExitNotice>;
  close(): Promise<void>;
}

export async function createAgentHarness(): Promise<AgentHarness> {
  const home = await mkdtemp(join(tmpdir(), 'micro-agi-agent-'));
  const base = (await loadDefinitions(builtinAppDir(), { logWarnings: false })).entries;
  const registry = await createRegistry({ store: openSqliteStore(registryDbPath(home)), base });
  const pool = createIsolatePool({ size: 2, services: { registry, scopeGroup: 'app:agent_security' } });
  const fake = await startFakeOpenAI();
  const host = new ProcessHost();
  const terminal = host.local();
  const events: AgentEvent[] = [];
  const waiters: { pred: (e: AgentEvent) => boolean; resolve: (e: AgentEvent) => void }[] = [];
  let exitResolve!: (n: ExitNotice) => void;
  const exit = new Promise<ExitNotice>((r) => (exitResolve = r));
  const listening = (async () => {
    for await (const m of terminal.listen()) {
      if (m.topic === EXIT_TOPIC) {
        exitResolve(m.payload as ExitNotice);
        continue;
      }
      if (m.topic !== AGENT_EVENT_TOPIC) continue;
      const e = m.payload as AgentEvent;
      events.push(e);
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.pred(e)) waiters.splice(i, 1)[0]!.resolve(e);
      }
    }
  })();
  let turn = 0;

  const h: AgentHarness = {
    home,
    registry,
    pool,
    host,
    fake,
    terminal,
    events,
    runtime: undefined,
    async start(options = {}) {
      h.runtime = startAgentRuntime({
        host,
        registry,
        pool,
        home,
        appDir: builtinAppDir(),
        env: { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.url, HOME_SECRET: 'not passed on' },
        terminal: terminal.pid,
        ...options,
      });
      const ready = await Promise.race([
        h.waitFor((e): e is Extract<AgentEvent, { type: 'ready' }> => e.type === 'ready'),
        exit.then((n) => {
          throw new Error(`agent exited before ready: ${JSON.stringify(n)}`);
        }),
      ]);
      return ready;
    },
    send(input) {
      if (!h.runtime) throw new Error('start the agent first');
      h.runtime.send(input);
    },
    waitFor(pred: (e: AgentEvent) => boolean): Promise<any> {
      const found = events.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    promptAsync(text) {
      turn++;
      h.send({ type: 'prompt', turn, text });
      return turn;
    },
    async turnEnd(t) {
      const end = (await h.waitFor((e) => e.type === 'turn_end' && e.turn === t)) as TurnEnd;
      return { end, events: events.filter((e) => 'turn' in e && e.turn === t) };
    },
    async prompt(text) {
      const t = h.promptAsync(text);
      return { turn: t, ...(await h.turnEnd(t)) };
    },
    async put(...entries) {
      let cs = registry.current().changes();
      for (const e of entries) cs = registry.current().has(e.id) ? cs.update(e) : cs.create(e);
      await registry.apply(cs, { actor: newActor('test:fixture') });
    },
    exitNotice: () => exit,
    async close() {
      if (h.runtime) await h.runtime.stop();
      await host.shutdown();
      await listening;
      await pool.close();
      await registry.close();
      await fake.close();
      await rm(home, { recursive: true, force: true });
    },
  };
  return h;
}

/** A generated Lua tool entry (as create_tool would write it). */
export function generatedTool(name: string, source: string, opts: { description?: string; schema?: string; modules?: string[] } = {}): Entry {
  return {
    id: `app.generated:${name}`,
    kind: 'function.lua',
    meta: {
      type: 'tool',
      title: name,
      comment: opts.description ?? `${name} tool`,
      llm_alias: name,
      llm_description: opts.description ?? `${name} tool`,
      input_schema: opts.schema ?? '{"type":"object","properties":{}}',
    },
    data: { source, modules: opts.modules ?? [], method: 'handler' },
  };
}
