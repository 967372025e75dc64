// Supervisor side of the synchronous host channel: runs a worker's `remote` module call with
// supervisor services, then writes the result into that worker's buffer and wakes it (stale answers dropped).
import { ArgumentFailure, type CallContext, type GuestValue, type HostServices, type ModuleSpec } from '../modules/module-spec.js';
import { MapHandleTable } from '../modules/handle-table.js';
import { logger } from '../log/logger.js';
import { isHostChannelMessage, writeResponse, type HostCallRequest, type HostCallResponse } from './host-channel-protocol.js';
import { isRemoteFn, resolveHostFn } from './module-catalog.js';
import { HostChannelMessageSchema } from '../../schemas/messages/isolate.js';

const log = logger('host-channel');

export interface HostChannelServerOptions {
  /** Every module spec by require name. */
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  /** The services a remote function sees for one request (e.g. callTool bound to the request's depth). */
  readonly services: (request: HostCallRequest) => HostServices;
}

interface ChannelState {
  /** Newest request seq: answers to older ones (the worker gave up waiting) are dropped. */
  latest: number;
  pending: number;
  readonly tables: Map<number, MapHandleTable>;
}

export class HostChannelServer {
  readonly #modules: ReadonlyMap<string, ModuleSpec>;
  readonly #services: (request: HostCallRequest) => HostServices;
  /** Per worker channel: newest seq, requests in flight, and host-side handle tables by call id. */
  readonly #channels = new Map<string, ChannelState>();
  #requests = 0;
  #stale = 0;

  constructor(options: HostChannelServerOptions) {
    this.#modules = options.modules;
    this.#services = options.services;
  }

  get stats(): { requests: number; staleAnswers: number } {
    return { requests: this.#requests, staleAnswers: this.#stale };
  }

  /** Handle a message posted by a worker; returns false when it is not a host-channel message. */
  handle(message: unknown): boolean {
    if (!isHostChannelMessage(message)) return false;
    // The thread boundary: a host-channel message must match its schema, or it is dropped (the waiting
    // guest then ends at its deadline).
    const checked = HostChannelMessageSchema.safeParse(message);
    if (!checked.success) {
      log.error({ issue: checked.error.issues[0] }, 'malformed host-channel message from an isolate worker; dropped');
      return true;
    }
    const state = this.#state(message.channel);
    if (message.__microAgiHostChannel === 'release') {
      state.tables.get(message.callId)?.release();
      state.tables.delete(message.callId);
      this.#prune(message.channel, state);
      return true;
    }
    this.#requests++;
    state.latest = message.seq;
    state.pending++;
    void this.#run(message, state).then((response) => {
      state.pending--;
      if (state.latest !== message.seq) this.#stale++;
      else writeResponse(message.sab, message.seq, response);
      this.#prune(message.channel, state);
    });
    return true;
  }

  #state(channel: string): ChannelState {
    let state = this.#channels.get(channel);
    if (!state) {
      state = { latest: 0, pending: 0, tables: new Map() };
      this.#channels.set(channel, state);
    }
    return state;
  }

  /** Forget a channel with nothing in flight and no live handles (workers come and go). */
  #prune(channel: string, state: ChannelState): void {
    if (state.pending === 0 && state.tables.size === 0) this.#channels.delete(channel);
  }

  async #run(request: HostCallRequest, state: ChannelState): Promise<HostCallResponse> {
    const spec = this.#modules.get(request.module);
    const label = `${request.module}.${request.fn}`;
    if (!spec) return { argumentError: `module "${request.module}" does not exist` };
    if (!isRemoteFn(spec, request.fn)) return { argumentError: `${label} is not a host (remote) function` };
    if (spec.privileged && !request.trusted) {
      return { moduleError: { kind: 'PermissionDenied', message: `${label}: module "${spec.name}" is privileged` } };
    }
    const fn = resolveHostFn(spec, request.fn);
    if (!fn) return { argumentError: `${label} is not defined` };
    const ctx: CallContext = {
      entryId: request.entryId,
      trusted: request.trusted,
      actor: request.actor,
      deadline: request.deadline,
      handles: this.#tableFor(state, request.callId),
      services: this.#services(request),
    };
    try {
      const value: GuestValue = await fn(ctx, ...request.args);
      return { ok: value ?? null };
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      if (e && e.code === 'MODULE_ERROR' && typeof (e as { toData?: unknown }).toData === 'function') {
        return { moduleError: (err as { toData(): never }).toData() };
      }
      if (err instanceof ArgumentFailure || (e && e.code === 'MODULE_ARG_ERROR')) return { argumentError: String(e.message) };
      log.error({ err, module: request.module, fn: request.fn, entry: request.entryId }, 'remote module function failed');
      return { error: `${label}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  #tableFor(state: ChannelState, callId: number): MapHandleTable {
    let table = state.tables.get(callId);
    if (!table) {
      table = new MapHandleTable();
      state.tables.set(callId, table);
    }
    return table;
  }
}
