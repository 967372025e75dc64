// Worker side of the synchronous host channel: post a request, block on Atomics.wait until the
// supervisor publishes the answer or the call's deadline passes, then decode it into a value or a failure.
import { threadId } from 'node:worker_threads';
import { ArgumentFailure, ModuleFailure, type GuestValue } from '../modules/module-spec.js';
import {
  HOST_CHANNEL_TAG,
  INITIAL_BUFFER_BYTES,
  MAX_BUFFER_BYTES,
  ResponseArea,
  SLOT_SEQ,
  channelName,
  type HostCallRelease,
  type HostCallRequest,
} from './host-channel-protocol.js';

export type HostCallParams = Omit<HostCallRequest, typeof HOST_CHANNEL_TAG | 'channel' | 'sab' | 'seq'>;

let channelCounter = 0;

/** Creates a growable SharedArrayBuffer (ES2024; typed loosely because the project's lib is ES2023). */
export function createGrowableBuffer(initial: number, max: number): SharedArrayBuffer {
  const Ctor = SharedArrayBuffer as unknown as new (len: number, opts: { maxByteLength: number }) => SharedArrayBuffer;
  return new Ctor(initial, { maxByteLength: max });
}

export class HostChannelClient {
  readonly #post: (message: unknown) => void;
  readonly #channel = channelName(threadId, ++channelCounter);
  readonly #area: ResponseArea;
  /** True until a request carried the buffer (again after a timed-out wait: the supervisor may have lost it). */
  #sendBuffer = true;
  #seq = 0;

  /** `post` delivers a message to the supervisor (in a piscina worker: parentPort.postMessage). */
  constructor(post: (message: unknown) => void, options: { initialBytes?: number; maxBytes?: number } = {}) {
    this.#post = post;
    this.#area = new ResponseArea(createGrowableBuffer(options.initialBytes ?? INITIAL_BUFFER_BYTES, options.maxBytes ?? MAX_BUFFER_BYTES));
  }

  /**
   * Run a remote module function on the supervisor and block until it answers.
   * Returns the value, or throws ModuleFailure (incl. kind Timeout when the deadline passes first),
   * ArgumentFailure, or a plain Error for a host function's unexpected failure.
   */
  call(params: HostCallParams): GuestValue {
    const seq = ++this.#seq;
    // Seqs are int32 in shared memory; wrap long before overflow (the supervisor only compares equality).
    if (this.#seq >= 0x7fffffff) this.#seq = 0;
    const area = this.#area;
    const request: HostCallRequest = this.#sendBuffer
      ? { [HOST_CHANNEL_TAG]: 'call', channel: this.#channel, sab: area.sab, seq, ...params }
      : { [HOST_CHANNEL_TAG]: 'call', channel: this.#channel, seq, ...params };
    this.#post(request);
    this.#sendBuffer = false;
    const slots = area.slots;
    for (;;) {
      const current = Atomics.load(slots, SLOT_SEQ);
      if (current === seq) break;
      const remaining = params.deadline - Date.now();
      if (remaining <= 0) {
        this.#sendBuffer = true;
        throw new ModuleFailure('Timeout', `${params.module}.${params.fn}: no answer from the host before the call deadline`, {
          retryable: true,
        });
      }
      Atomics.wait(slots, SLOT_SEQ, current, remaining);
    }
    const response = area.read();
    if ('ok' in response) return response.ok;
    if ('moduleError' in response) {
      const e = response.moduleError;
      throw new ModuleFailure(e.kind, e.message, {
        ...(e.retryable !== undefined ? { retryable: e.retryable } : {}),
        ...(e.details !== undefined ? { details: e.details } : {}),
      });
    }
    if ('argumentError' in response) throw new ArgumentFailure(response.argumentError);
    throw new Error(response.error);
  }

  /** The channel's name (what the supervisor keys this worker's host-side handles by). */
  get name(): string {
    return this.#channel;
  }

  /** Tell the supervisor a call ended, so it drops that call's host-side handles. */
  release(callId: number): void {
    const message: HostCallRelease = { [HOST_CHANNEL_TAG]: 'release', channel: this.#channel, callId };
    this.#post(message);
  }
}
