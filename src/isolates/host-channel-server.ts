// Supervisor side of the synchronous host channel: runs a worker's `remote` module call with
// supervisor services, then writes the result into that worker's buffer and wakes it (stale answers dropped).
import { ArgumentFailure, type CallContext, type GuestValue, type HostServices, type ModuleSpec } from '../modules/module-spec.js';
import { MapHandleTable } from '../modules/handle-table.js';
import { logger } from '../log/logger.js';
import { ResponseArea, channelThread, isHostChannelMessage, type HostCallRequest, type HostCallResponse } from './host-channel-protocol.js';
import { isRemoteFn, resolveHostFn } from './module-catalog.js';
import { HostChannelMessageGuard } from '../../schemas/messages/isolate.js';

const log = logger('host-channel');

export interface HostChannelServerOptions {
  /** Every module spec by require name. */
  readonly modules: ReadonlyMap<string, ModuleSpec>;
  /** The services a remote function sees for one request (e.g. callTool bound to the request's depth). */
  readonly services: (request: HostCallRequest) => HostServices;
}

interface ChannelState {
  /** The worker's response buffer and its views (sent once, kept until the worker thread exits). */
  area: ResponseArea | undefined;
  /** Newest request seq: answers to older ones (the worker gave up waiting) are dropped. */
  latest: number;
  readonly tables: Map<number, MapHandleTable>;
}

export class HostChannelServer {
  readonly #modules: ReadonlyMap<string, ModuleSpec>;
  readonly #services: (request: HostCallRequest) => HostServices;
  /** Per worker channel: its buffer, newest seq, and host-side handle tables by call id. */
  readonly #channels = new Map<string, ChannelState>();
  #requests = 0;
  #stale = 0;

  constructor(options: HostChannelServerOptions) {
    this.#modules = options.modules;
    this.#services = options.services;
  }

  get stats(): { requests: number; staleAnswers: number; channels: number; openCalls: number } {
    let openCalls = 0;
    for (const state of this.#channels.values()) openCalls += state.tables.size;
    return { requests: this.#requests, staleAnswers: this.#stale, channels: this.#channels.size, openCalls };
  }

  /** Handle a message posted by a worker; returns false when it is not a host-channel message. */
  handle(message: unknown): boolean {
    if (!isHostChannelMessage(message)) return false;
    // The thread boundary: a host-channel message must match its schema, or it is dropped (the waiting
    // guest then ends at its deadline).
    const checked = HostChannelMessageGuard.safeParse(message);
    if (!checked.success) {
      log.error({ issue: checked.error.issues[0] }, 'malformed host-channel message from an isolate worker; dropped');
      return true;
    }
    if (message.__microAgiHostChannel === 'release') {
      this.release(message.channel, message.callId);
      return true;
    }
    const state = this.#state(message.channel);
    if (message.sab && state.area?.sab !== message.sab) state.area = new ResponseArea(message.sab);
    const area = state.area;
    if (!area) {
      // Only a worker that lost track of its own protocol gets here: it times out, then resends its buffer.
      log.error({ channel: message.channel }, 'host-channel request before its buffer; dropped');
      return true;
    }
    this.#requests++;
    state.latest = message.seq;
    void this.#run(message, state).then((response) => {
      if (state.latest !== message.seq || state.area !== area) this.#stale++;
      else area.write(message.seq, response);
    });
    return true;
  }

  /** A call on `channel` ended: drop the handles its host calls made (a release message, or its reply). */
  release(channel: string, callId: number): void {
    const state = this.#channels.get(channel);
    state?.tables.get(callId)?.release();
    state?.tables.delete(callId);
  }

  /** Forget the channels of a worker thread that exited: its buffer and the handles of its unfinished calls. */
  forgetThread(threadId: number): void {
    for (const [channel, state] of this.#channels) {
      if (channelThread(channel) !== threadId) continue;
      for (const table of state.tables.values()) table.release();
      this.#channels.delete(channel);
    }
  }

  #state(channel: string): ChannelState {
    let state = this.#channels.get(channel);
    if (!state) {
      state = { area: undefined, latest: 0, tables: new Map() };
      this.#channels.set(channel, state);
    }
    return state;
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
