// One output line of a batch (`{id, answer, tools_called, tools_created, tokens, cost, ms, error?}`) and
// the collector that builds it from the AgentEvents of one turn, or from the agent's exit when it died.
import type { AgentEvent, ToolErrorData } from '../../schemas/messages/agent.js';
import type { ExitNotice } from '../../schemas/messages/process.js';
import type { BatchId } from './batch-input.js';

export interface BatchTokens {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  total: number;
}

export interface BatchResult {
  readonly id: BatchId;
  /** The model's final text (the step-limit notice when the limit ended the turn); null when none came. */
  readonly answer: string | null;
  /** Names of the tools called, in call order (repeats kept). */
  readonly tools_called: string[];
  /** Ids written by create_tool calls that returned created or updated. */
  readonly tools_created: string[];
  readonly tokens: BatchTokens;
  /** Dollars. */
  readonly cost: number;
  /** Wall time from the agent's spawn to the end of its turn. */
  readonly ms: number;
  /** Set when the turn failed, hit the step limit, was canceled, or the agent crashed. */
  readonly error?: ToolErrorData;
  /** The model the agent announced (absent when it never started). */
  readonly model?: string;
}

/** The create_tool alias the model calls (app.tools:create_tool). */
export const CREATE_TOOL_NAME = 'create_tool';

type TurnEnd = Extract<AgentEvent, { type: 'turn_end' }>;

function createdId(event: Extract<AgentEvent, { type: 'tool_result' }>): string | undefined {
  if (event.name !== CREATE_TOOL_NAME || !event.ok) return undefined;
  const r = event.result as { created?: unknown; updated?: unknown; id?: unknown } | null | undefined;
  if (!r || typeof r !== 'object' || typeof r.id !== 'string') return undefined;
  return r.created === true || r.updated === true ? r.id : undefined;
}

/** Collects the events of one turn of one agent. */
export class ResultCollector {
  readonly #id: BatchId;
  readonly #turn: number;
  #answer: string | null = null;
  readonly #called: string[] = [];
  readonly #created: string[] = [];
  readonly #tokens: BatchTokens = { prompt: 0, completion: 0, cached: 0, reasoning: 0, total: 0 };
  #cost = 0;
  #lastError: ToolErrorData | undefined;
  #end: TurnEnd | undefined;
  #crash: ToolErrorData | undefined;
  /** The --timeout limit (ms) that canceled this turn, once it passed. */
  #timedOut: number | undefined;
  #model: string | undefined;

  constructor(id: BatchId, turn: number) {
    this.#id = id;
    this.#turn = turn;
  }

  /** True once the turn ended or the agent died. */
  get finished(): boolean {
    return this.#end !== undefined || this.#crash !== undefined;
  }

  get answered(): boolean {
    return this.#end?.status === 'answered';
  }

  /** Feed one event of this agent; returns true when it ended the turn. */
  event(e: AgentEvent): boolean {
    if (e.type === 'ready') this.#model = e.model;
    if (this.finished || !('turn' in e) || e.turn !== this.#turn) return false;
    switch (e.type) {
      case 'answer':
        this.#answer = e.text;
        return false;
      case 'tool_call':
        this.#called.push(e.name);
        return false;
      case 'tool_result': {
        const id = createdId(e);
        if (id !== undefined && !this.#created.includes(id)) this.#created.push(id);
        return false;
      }
      case 'usage':
        for (const k of ['prompt', 'completion', 'cached', 'reasoning', 'total'] as const) this.#tokens[k] += e.tokens[k];
        this.#cost += e.cost;
        return false;
      case 'error':
        this.#lastError = e.error;
        return false;
      case 'turn_end':
        this.#end = e;
        return true;
      default:
        return false;
    }
  }

  /** The agent process ended before its turn did. */
  exited(notice: ExitNotice): void {
    if (this.finished) return;
    const detail = notice.error?.message ? `: ${notice.error.message}` : '';
    this.#crash = { type: 'agent_crashed', message: `the agent process ended before answering (${notice.reason}${detail})` };
  }

  /** The turn ran past `limitMs`; it is being canceled (an answer that still arrives first is kept). */
  timedOut(limitMs: number): void {
    if (!this.finished) this.#timedOut = limitMs;
  }

  /** The canceled turn did not end within its grace: the result is given without waiting for it. */
  abandon(): void {
    if (this.finished) return;
    this.#crash = this.#timeoutError() ?? { type: 'canceled', message: 'the turn was canceled and did not stop' };
  }

  #timeoutError(): ToolErrorData | undefined {
    if (this.#timedOut === undefined) return undefined;
    return { type: 'timeout', message: `no answer within ${this.#timedOut / 1000} s (--timeout); the turn was canceled` };
  }

  /** The agent could not be started at all. */
  failedToStart(message: string): void {
    if (this.finished) return;
    this.#crash = { type: 'agent_crashed', message: `the agent process could not start: ${message}` };
  }

  #error(): ToolErrorData | undefined {
    if (this.#crash) return this.#crash;
    const end = this.#end;
    if (!end || end.status === 'answered') return undefined;
    if (end.status === 'step_limit') return { type: 'step_limit', message: this.#answer ?? `the step limit ended the turn after ${end.steps} steps` };
    if (end.status === 'canceled') return this.#timeoutError() ?? { type: 'canceled', message: 'the turn was canceled' };
    return this.#lastError ?? { type: 'failed', message: 'the turn failed' };
  }

  result(ms: number): BatchResult {
    const error = this.#error();
    return {
      id: this.#id,
      answer: this.#answer,
      tools_called: [...this.#called],
      tools_created: [...this.#created],
      tokens: { ...this.#tokens },
      cost: this.#cost,
      ms: Math.round(ms),
      ...(error ? { error } : {}),
      ...(this.#model !== undefined ? { model: this.#model } : {}),
    };
  }
}
