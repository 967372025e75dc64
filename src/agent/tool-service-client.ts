// The agent side of the supervisor's tool service: sends call requests on TOOL_CALL_TOPIC, routes
// replies from TOOL_RESULT_TOPIC by call id, sends cancel on abort and answers the caller at once.
import {
  TOOL_CALL_TOPIC,
  TOOL_RESULT_TOPIC,
  ToolCallReplyGuard,
  type ToolCallContext,
  type ToolCallReply,
  type ToolCallRequest,
} from '../../schemas/messages/agent.js';
import type { ProcessContext } from '../host/process-context.js';
import type { Pid } from '../host/pid.js';
import { logger } from '../log/logger.js';

export type ServiceResult = ToolCallReply['result'];

/** What dispatch needs: run one entry with an input, cancelable. */
export interface ToolCaller {
  call(entryId: string, input: unknown, context: ToolCallContext, signal: AbortSignal): { readonly callId: string; readonly result: Promise<ServiceResult> };
}

const log = logger('agent.tool-client');

export class ToolServiceClient implements ToolCaller {
  readonly #ctx: Pick<ProcessContext, 'send' | 'listen'>;
  readonly #service: Pid;
  readonly #pending = new Map<string, (r: ServiceResult) => void>();
  #seq = 0;
  #gone: string | undefined;

  constructor(ctx: Pick<ProcessContext, 'send' | 'listen'>, service: Pid) {
    this.#ctx = ctx;
    this.#service = service;
  }

  /** Routes replies until `signal` aborts or the mailbox closes. */
  async serve(signal: AbortSignal): Promise<void> {
    for await (const msg of this.#ctx.listen(TOOL_RESULT_TOPIC, signal)) {
      if (msg.from !== this.#service) continue;
      const parsed = ToolCallReplyGuard.safeParse(msg.payload);
      if (!parsed.success) {
        log.warn({ issues: parsed.error.issues }, 'malformed tool service reply ignored');
        continue;
      }
      const resolve = this.#pending.get(parsed.data.call_id);
      // A reply for a call already answered (canceled) is expected and dropped.
      if (resolve) resolve(parsed.data.result);
    }
  }

  /** The service ended: every waiting call fails, and later calls fail at once. */
  serviceGone(reason: string): void {
    this.#gone = reason;
    for (const resolve of [...this.#pending.values()]) resolve({ status: 'error', error: { kind: 'Internal', message: reason } });
  }

  call(entryId: string, input: unknown, context: ToolCallContext, signal: AbortSignal): { callId: string; result: Promise<ServiceResult> } {
    const callId = `c${++this.#seq}`;
    const result = new Promise<ServiceResult>((resolve) => {
      const onAbort = (): void => {
        if (!this.#pending.has(callId)) return;
        this.#send({ type: 'cancel', call_id: callId });
        finish({ status: 'error', error: { kind: 'Canceled', message: 'canceled by the user' } });
      };
      const finish = (r: ServiceResult): void => {
        this.#pending.delete(callId);
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      };
      if (signal.aborted) return resolve({ status: 'error', error: { kind: 'Canceled', message: 'canceled by the user' } });
      if (this.#gone) return resolve({ status: 'error', error: { kind: 'Internal', message: this.#gone } });
      this.#pending.set(callId, finish);
      signal.addEventListener('abort', onAbort, { once: true });
      if (!this.#send({ type: 'call', call_id: callId, entry_id: entryId, input, context })) {
        finish({ status: 'error', error: { kind: 'Internal', message: 'the tool service is not running' } });
      }
    });
    return { callId, result };
  }

  #send(request: ToolCallRequest): boolean {
    return this.#ctx.send(this.#service, TOOL_CALL_TOPIC, request);
  }
}
