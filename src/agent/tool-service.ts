// The supervisor's tool service: a local process that runs the agent's tool calls in the isolate pool
// (after a registry refresh, so tools just created are visible) as the agent actor, with the call's
// ToolCallContext as CallOptions.context (the ctx module reads it); replies on TOOL_RESULT_TOPIC; cancels by id.
import {
  TOOL_CALL_TOPIC,
  TOOL_RESULT_TOPIC,
  ToolCallRequestGuard,
  type ToolCallContext,
  type ToolCallReply,
} from '../../schemas/messages/agent.js';
import { errorMessage } from '../errors/app-error.js';
import type { LocalProcess, Pid, ProcessHost } from '../host/process-host.js';
import type { IsolatePool } from '../isolates/pool.js';
import type { CallResult } from '../isolates/types.js';
import { logger } from '../log/logger.js';
import type { Registry } from '../registry/types.js';
import { AGENT_ACTOR } from '../security/actors.js';

export interface ToolServiceOptions {
  readonly host: ProcessHost;
  readonly registry: Registry;
  readonly pool: IsolatePool;
  /** Wall-clock cap per call in ms (default: none beyond the entry's own timeout). */
  readonly callTimeoutMs?: number;
  /** Parent pid of the service process (default: the host root). */
  readonly parent?: Pid;
}

export interface ToolService {
  readonly pid: Pid;
  /** Calls running now. */
  running(): number;
  /** Cancel running calls and end the process; resolves when its loop has finished. */
  stop(): Promise<void>;
}

const log = logger('agent.tool-service');

type Reply = ToolCallReply['result'];

function plain(result: CallResult): Reply {
  const extra = { stats: result.stats, ...(result.logs ? { logs: result.logs } : {}) };
  return result.status === 'ok' ? { status: 'ok', value: result.value, ...extra } : { status: 'error', error: { ...result.error }, ...extra };
}

export function startToolService(options: ToolServiceOptions): ToolService {
  const { host, registry, pool } = options;
  const proc: LocalProcess = host.local(options.parent);
  const inflight = new Map<string, AbortController>();

  const reply = (to: Pid, callId: string, result: Reply): void => {
    const payload: ToolCallReply = { call_id: callId, result };
    if (!proc.send(to, TOOL_RESULT_TOPIC, payload)) log.debug({ to, callId }, 'tool result not delivered: the caller is gone');
  };

  async function run(from: Pid, callId: string, entryId: string, input: unknown, context: ToolCallContext): Promise<void> {
    const key = `${from}|${callId}`;
    const controller = new AbortController();
    inflight.set(key, controller);
    try {
      const snapshot = await registry.refresh();
      const entry = snapshot.get(entryId);
      if (!entry) {
        reply(from, callId, { status: 'error', error: { kind: 'NotFound', message: `tool ${entryId} does not exist at registry version ${snapshot.version}` } });
        return;
      }
      const deadline = options.callTimeoutMs !== undefined ? Date.now() + options.callTimeoutMs : undefined;
      const result = await pool.callEntry(entry, snapshot.version, input, {
        actor: AGENT_ACTOR,
        context,
        signal: controller.signal,
        ...(deadline !== undefined ? { deadline } : {}),
      });
      reply(from, callId, plain(result));
    } catch (err) {
      log.error({ err, entryId }, 'tool call failed in the service');
      reply(from, callId, { status: 'error', error: { kind: 'Internal', message: `${entryId}: ${errorMessage(err)}` } });
    } finally {
      inflight.delete(key);
    }
  }

  const loop = (async () => {
    for await (const msg of proc.listen(TOOL_CALL_TOPIC)) {
      const parsed = ToolCallRequestGuard.safeParse(msg.payload);
      if (!parsed.success) {
        const callId = (msg.payload as { call_id?: unknown } | null)?.call_id;
        log.warn({ from: msg.from, issues: parsed.error.issues }, 'invalid tool call request');
        if (typeof callId === 'string') {
          reply(msg.from, callId, { status: 'error', error: { kind: 'InvalidInput', message: `invalid tool call request: ${parsed.error.issues[0]?.message ?? 'bad shape'}` } });
        }
        continue;
      }
      const req = parsed.data;
      if (req.type === 'cancel') inflight.get(`${msg.from}|${req.call_id}`)?.abort();
      else void run(msg.from, req.call_id, req.entry_id, req.input, req.context);
    }
  })();

  return {
    pid: proc.pid,
    running: () => inflight.size,
    async stop() {
      for (const c of inflight.values()) c.abort();
      proc.exit();
      await loop;
    },
  };
}
