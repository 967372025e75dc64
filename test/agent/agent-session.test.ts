// Opening an agent session on a registry this thread already holds open (a prepared prestart, the previous
// batch prompt on a host thread): the session must see what other processes wrote since that open.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry } from '../../schemas/entry.js';
import { DEFAULT_AGENT_ID, DEFAULT_MAX_STEPS, type AgentArgs } from '../../src/agent/agent-args.js';
import { openAgentSession, type AgentSession } from '../../src/agent/agent-session.js';
import { builtinAppDir } from '../../src/paths.js';
import { openAppRegistry } from '../../src/registry/open-app-registry.js';
import { acquireAppRegistry } from '../../src/registry/shared-app-registry.js';
import { newActor } from '../../src/security/actors.js';

const homes: string[] = [];
const sessions: AgentSession[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) await s.close();
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function argsFor(home: string): AgentArgs {
  return {
    agentId: DEFAULT_AGENT_ID,
    home,
    appDir: builtinAppDir(),
    toolService: '<0.1>',
    terminal: '<0.2>',
    maxSteps: DEFAULT_MAX_STEPS,
    env: { OPENAI_API_KEY: 'test' },
  };
}

const generated: Entry = {
  id: 'app.generated:moon_phase',
  kind: 'function.lua',
  meta: { type: 'tool', llm_alias: 'moon_phase', llm_description: 'Phase of the moon for a date.' },
  data: { source: 'function handler() return {} end', method: 'handler', modules: [] },
};

describe('openAgentSession', () => {
  it('a tool another process wrote after this thread opened the registry is in the new session\'s tool index', async () => {
    const home = mkdtempSync(join(os.tmpdir(), 'micro-agi-session-'));
    homes.push(home);
    // This thread opens the registry first and keeps it idle-open (what a prepared prestart does).
    const early = await acquireAppRegistry(builtinAppDir(), home, { keepIdleMs: 10_000 });
    await early.registry.close();
    // Another process (its own open of the same home) creates a tool.
    const other = await openAppRegistry(builtinAppDir(), home);
    await other.registry.apply(other.registry.current().changes().create(generated), { actor: newActor('test:other') });
    await other.registry.close();

    const session = await openAgentSession(argsFor(home));
    sessions.push(session);
    expect(session.systemPrompt()).toContain('app.generated:moon_phase: Phase of the moon for a date.');
  });
});
