// The supervisor's tool service on its own: runs calls in the isolate pool as the agent actor carrying the
// call's context, sees entries another process just wrote (refresh), cancels by call id, rejects bad requests.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  TOOL_CALL_TOPIC,
  TOOL_RESULT_TOPIC,
  type ToolCallContext,
  type ToolCallReply,
  type ToolCallRequest,
} from '../../schemas/messages/agent.js';
import { startToolService, type ToolService } from '../../src/agent/tool-service.js';
import { ProcessHost, type LocalProcess } from '../../src/host/process-host.js';
import { createIsolatePool, type IsolatePool } from '../../src/isolates/pool.js';
import { builtinAppDir } from '../../src/paths.js';
import { loadDefinitions } from '../../src/registry/loader.js';
import { createRegistry } from '../../src/registry/registry.js';
import type { Registry } from '../../src/registry/types.js';
import { newActor } from '../../src/security/actors.js';
import { registryDbPath } from '../../src/store/home.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { generatedTool } from './agent-harness.js';

let home: string;
let registry: Registry;
let pool: IsolatePool;
let host: ProcessHost;
let service: ToolService;
let agent: LocalProcess;

const CONTEXT: ToolCallContext = { session: 's-1', turn: 3, prompt: 'make me a tool', agent: 'app:dev_assistant', loaded_tools: ['load_tool', 'registry_read'] };

async function openRegistry(): Promise<Registry> {
  const base = (await loadDefinitions(builtinAppDir(), { logWarnings: false })).entries;
  return createRegistry({ store: openSqliteStore(registryDbPath(home)), base });
}

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'micro-agi-tool-service-'));
  registry = await openRegistry();
  pool = createIsolatePool({ size: 2, services: { registry } });
  host = new ProcessHost();
  service = startToolService({ host, registry, pool });
  agent = host.local();
});

afterEach(async () => {
  await service.stop();
  await host.shutdown();
  await pool.close();
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

function request(req: ToolCallRequest): void {
  agent.send(service.pid, TOOL_CALL_TOPIC, req);
}

async function replyFor(callId: string): Promise<ToolCallReply> {
  for (;;) {
    const m = await agent.receive(TOOL_RESULT_TOPIC);
    if (!m) throw new Error('mailbox closed');
    const r = m.payload as ToolCallReply;
    if (r.call_id === callId) return r;
  }
}

describe('tool service', () => {
  it('runs the call as service:agent with the ToolCallContext readable through the ctx module', async () => {
    const other = await openRegistry(); // another process writing the shared store
    await other.apply(
      other.current().changes().create({
        id: 'app.tools:whoami',
        kind: 'function.lua',
        meta: { type: 'tool' },
        data: {
          source: 'local security = require("security")\nlocal ctx = require("ctx")\nreturn { handler = function() return { actor = security.actor(), context = ctx.all() } end }',
          modules: ['security', 'ctx'],
        },
      }),
      { actor: newActor('test:fixture') },
    );
    await other.close();
    request({ type: 'call', call_id: 'w1', entry_id: 'app.tools:whoami', input: {}, context: CONTEXT });
    const r = await replyFor('w1');
    expect(r.result.status).toBe('ok');
    const value = (r.result as { value: { actor: { id: string; meta: Record<string, unknown> }; context: unknown } }).value;
    expect(value.actor.id).toBe('service:agent');
    expect(value.actor.meta.role).toBe('agent');
    expect(value.context).toEqual(CONTEXT);
  });

  it('answers a missing entry with NotFound and a bad request with InvalidInput', async () => {
    request({ type: 'call', call_id: 'm1', entry_id: 'app.generated:nothing', input: {}, context: CONTEXT });
    const missing = await replyFor('m1');
    expect(missing.result).toMatchObject({ status: 'error', error: { kind: 'NotFound' } });
    agent.send(service.pid, TOOL_CALL_TOPIC, { type: 'call', call_id: 'b1', entry_id: 'app.tools:load_tool' });
    expect((await replyFor('b1')).result).toMatchObject({ status: 'error', error: { kind: 'InvalidInput' } });
  });

  it('cancels a running call by its id', async () => {
    await registry.apply(registry.current().changes().create(generatedTool('spin', 'return { handler = function() while true do end end }')), {
      actor: newActor('test:fixture'),
    });
    request({ type: 'call', call_id: 'sp', entry_id: 'app.generated:spin', input: {}, context: CONTEXT });
    // the call is registered before its cancel is read: messages from one sender keep their order
    request({ type: 'cancel', call_id: 'sp' });
    const r = await replyFor('sp');
    expect(r.result).toMatchObject({ status: 'error', error: { kind: 'Canceled' } });
    expect(service.running()).toBe(0);
  });
});
