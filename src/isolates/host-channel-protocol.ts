// The wire format of the synchronous host channel: request messages (worker -> supervisor) and the
// size-prefixed response area in a growable SharedArrayBuffer (supervisor -> worker, then Atomics.notify).
import { deserialize, serialize } from 'node:v8';
import type { Actor } from '../security/types.js';
import type { GuestValue, ModuleErrorData } from '../modules/module-spec.js';

/*
 * Why requests travel on the worker's parentPort: piscina 5 re-emits every non-READY message a worker
 * posts on its parentPort as the pool's 'message' event, so the supervisor gets requests per pool with
 * no extra setup, no global channel names, and no fan-out. Alternatives considered: a BroadcastChannel
 * delivers every request to every other worker's instance too (they would have to drain them), and a
 * MessagePort per worker cannot be handed over at startup (piscina's workerData is shared by all
 * workers) while a MessageChannel per task costs more than the whole empty-task round trip.
 * Answers do not use messages at all: the worker is blocked in Atomics.wait, so the supervisor writes
 * the serialized answer (v8 serializer: Uint8Array, bigint, nested tables survive) into the worker's
 * growable SharedArrayBuffer, stores the request's seq in SLOT_SEQ and notifies.
 */

/** Tag on messages a worker posts on its parentPort (piscina re-emits them as the pool's 'message' event). */
export const HOST_CHANNEL_TAG = '__microAgiHostChannel';

/** Int32 slots at the start of the buffer. */
export const SLOT_SEQ = 0; // seq of the last response written (the worker waits on this slot)
export const SLOT_LENGTH = 1; // byte length of the serialized payload
export const HEADER_BYTES = 16;
export const INITIAL_BUFFER_BYTES = 64 * 1024;
/** Upper bound a response may grow the buffer to (virtual reservation; pages are committed on growth). */
export const MAX_BUFFER_BYTES = 256 * 1024 * 1024;

export interface HostCallRequest {
  readonly [HOST_CHANNEL_TAG]: 'call';
  /**
   * Identifies the worker's channel. (Each postMessage delivers a new SharedArrayBuffer wrapper over the
   * same memory, so the buffer object itself cannot serve as a key on the supervisor side.)
   */
  readonly channel: string;
  readonly sab: SharedArrayBuffer;
  readonly seq: number;
  /** Worker-local id of the tool call (keys the supervisor-side handle table). */
  readonly callId: number;
  readonly module: string;
  readonly fn: string;
  readonly args: GuestValue[];
  readonly entryId: string;
  readonly trusted: boolean;
  readonly actor: Actor;
  readonly deadline: number;
  /** Nesting depth of the tool call making the request (0 = called by the agent). */
  readonly depth: number;
}

export interface HostCallRelease {
  readonly [HOST_CHANNEL_TAG]: 'release';
  readonly channel: string;
  readonly callId: number;
}

export type HostChannelMessage = HostCallRequest | HostCallRelease;

/** What the supervisor writes back. */
export type HostCallResponse =
  | { readonly ok: GuestValue }
  | { readonly moduleError: ModuleErrorData }
  | { readonly argumentError: string }
  | { readonly error: string };

export function isHostChannelMessage(msg: unknown): msg is HostChannelMessage {
  return typeof msg === 'object' && msg !== null && HOST_CHANNEL_TAG in msg;
}

/**
 * Serialize `response` into `sab` (growing it when needed), publish `seq` and wake the worker.
 * A response that cannot fit even after growing is replaced by an error response.
 */
/** ES2024 growable SharedArrayBuffer members (the project's lib is ES2023). */
interface Growable {
  readonly growable: boolean;
  readonly maxByteLength: number;
  grow(length: number): void;
}

export function writeResponse(sab: SharedArrayBuffer, seq: number, response: HostCallResponse): void {
  const g = sab as unknown as Growable;
  let bytes: Buffer;
  try {
    bytes = serialize(response);
  } catch (err) {
    bytes = serialize({ error: `host call result cannot cross the channel: ${(err as Error).message}` });
  }
  const needed = HEADER_BYTES + bytes.length;
  if (needed > sab.byteLength) {
    if (g.growable && needed <= g.maxByteLength) {
      g.grow(needed);
    } else {
      bytes = serialize({ error: `host call result too large (${bytes.length} bytes, limit ${(g.growable ? g.maxByteLength : sab.byteLength) - HEADER_BYTES})` });
    }
  }
  new Uint8Array(sab, HEADER_BYTES, bytes.length).set(bytes);
  const slots = new Int32Array(sab, 0, 4);
  Atomics.store(slots, SLOT_LENGTH, bytes.length);
  Atomics.store(slots, SLOT_SEQ, seq);
  Atomics.notify(slots, SLOT_SEQ);
}

/** Read the response currently in `sab` (call after SLOT_SEQ shows the awaited seq). */
export function readResponse(sab: SharedArrayBuffer): HostCallResponse {
  const slots = new Int32Array(sab, 0, 4);
  const length = Atomics.load(slots, SLOT_LENGTH);
  // Copy out of shared memory before decoding: v8.deserialize wants a stable buffer.
  const copy = Buffer.allocUnsafe(length);
  copy.set(new Uint8Array(sab, HEADER_BYTES, length));
  return deserialize(copy) as HostCallResponse;
}
