// Per-call state shared by the count hook and the host operations: the limits, the kill reason
// (sticky once set: every later hook tick and every guest catcher re-raises), and captured print output.
import type { HostBridge, IsolateErrorKind, ToolSpec } from '../types.js';

export interface Kill {
  readonly kind: IsolateErrorKind;
  readonly message: string;
}

export interface CallContext {
  readonly tool: ToolSpec;
  readonly bridge: HostBridge;
  readonly granted: ReadonlySet<string>;
  /** Epoch ms. */
  readonly deadline: number;
  readonly instructions: number;
  /** Lua stack level probed by the hook: a frame there means the call is too deep. */
  readonly depthProbe: number;
  readonly outputBytes: number;
  readonly memoryBytes: number;
  counted: number;
  kill: Kill | undefined;
  readonly logs: string[];
  logBytes: number;
}

/** Frames the runner itself puts under the tool's entry function (run, xpcall, handler...). */
const RUNNER_FRAMES = 4;

/** The granted-module set per modules array (a tool's spec is reused across its calls, and so is its array). */
const grantedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function grantedOf(modules: readonly string[]): ReadonlySet<string> {
  let set = grantedSets.get(modules);
  if (!set) {
    set = new Set(modules);
    grantedSets.set(modules, set);
  }
  return set;
}

export function newCallContext(tool: ToolSpec, bridge: HostBridge, now: number): CallContext {
  const limits = tool.limits;
  return {
    tool,
    bridge,
    granted: grantedOf(tool.modules),
    deadline: now + limits.timeoutMs,
    instructions: limits.instructions,
    depthProbe: Math.max(1, limits.maxDepth) + RUNNER_FRAMES,
    outputBytes: limits.outputBytes,
    memoryBytes: limits.memoryBytes,
    counted: 0,
    kill: undefined,
    logs: [],
    logBytes: 0,
  };
}

export function killMessage(kind: IsolateErrorKind, c: CallContext): string {
  switch (kind) {
    case 'Timeout':
      return `tool ${c.tool.id} exceeded its time limit of ${c.tool.limits.timeoutMs} ms`;
    case 'InstructionLimit':
      return `tool ${c.tool.id} exceeded its budget of ${c.instructions} Lua instructions`;
    case 'StackOverflow':
      return `tool ${c.tool.id} exceeded the maximum call depth of ${c.tool.limits.maxDepth}`;
    case 'MemoryLimit':
      return `tool ${c.tool.id} exceeded its memory limit of ${c.memoryBytes} bytes`;
    case 'OutputLimit':
      return `tool ${c.tool.id} printed more than ${c.outputBytes} bytes`;
    case 'Canceled':
      return `tool ${c.tool.id} was canceled`;
    default:
      return `tool ${c.tool.id} was stopped (${kind})`;
  }
}
