// Test support for the Lua engine: tool specs, a fake `time`-like ModuleSpec with typed values,
// a Multi return and every failure style, and a recording in-thread HostBridge.
import {
  ArgumentFailure,
  ModuleFailure,
  multi,
  type GuestValue,
  type HostFn,
  type ModuleSpec,
  type TypedValue,
} from '../../../src/modules/module-spec.js';
import { DEFAULT_LIMITS, type HostBridge, type Limits, type ToolSpec } from '../../../src/isolates/types.js';

let version = 0;

export function luaTool(source: string, extra: Partial<Omit<ToolSpec, 'limits'>> & { limits?: Partial<Limits> } = {}): ToolSpec {
  const { limits, ...rest } = extra;
  return {
    id: 'app.generated:probe',
    version: ++version,
    kind: 'function.lua',
    source,
    method: 'handler',
    modules: [],
    trusted: false,
    ...rest,
    limits: { ...DEFAULT_LIMITS, timeoutMs: 2_000, memoryBytes: 16 * 1024 * 1024, outputBytes: 256 * 1024, ...limits },
  };
}

/** A handler body wrapped into a tool source: `return { handler = function(input) <body> end }`. */
export function handler(body: string): string {
  return `return { handler = function(input)\n${body}\nend }`;
}

export interface TimeValue extends TypedValue {
  readonly __type: 'Time';
  readonly ms: number;
}

const time = (ms: number): TimeValue => ({ __type: 'Time', ms });

export const fakeTime: ModuleSpec = {
  name: 'time',
  summary: 'A fake time module for engine tests.',
  functions: {
    now: () => time(1_700_000_000_000),
    unix: (_c, sec) => time(Number(sec) * 1000),
    parse: (_c, layout, value) => {
      if (typeof layout !== 'string') throw new ArgumentFailure('layout must be a string');
      if (value === 'bad') {
        throw new ModuleFailure('Invalid', 'cannot parse "bad"', { retryable: false, details: { input: 'bad' } });
      }
      return time(Date.parse(String(value)));
    },
    'clock.split': (_c, secs) => {
      const s = Number(secs);
      return multi(Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60);
    },
    echo: (_c, ...args) => args,
    crash: () => {
      throw new Error('disk on fire');
    },
    bytes: () => new Uint8Array([0, 255, 104, 105]),
    big: () => 2n ** 60n,
    list: () => ['a', null, 'c'],
    obj: () => ({ status_code: 200, body: 'ok', headers: { 'Content-Type': 'text/plain' }, missing: null }),
  },
  constants: {
    SECOND: 1_000_000_000,
    RFC3339: '2006-01-02T15:04:05Z07:00',
    utc: { __type: 'Location', name: 'UTC' },
    nested: { a: { b: 1 } },
  },
  types: {
    Time: {
      methods: {
        unix: (_c, self) => Math.floor((self as TimeValue).ms / 1000),
        add: (_c, self, secs) => time((self as TimeValue).ms + Number(secs) * 1000),
        date: (_c, self) => {
          const d = new Date((self as TimeValue).ms);
          return multi(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
        },
      },
      tostring: (_c, self) => new Date((self as TimeValue).ms).toISOString(),
    },
    Location: { methods: { string: (_c, self) => (self as { name: string }).name } },
  },
};

export const fakeRegistry: ModuleSpec = {
  name: 'registry',
  privileged: true,
  summary: 'A privileged module.',
  functions: { find: () => [] },
};

export interface Invocation {
  readonly module: string;
  readonly fn: string;
  readonly args: GuestValue[];
  readonly result?: GuestValue;
}

export interface RecordingBridge extends HostBridge {
  readonly invocations: Invocation[];
  begins: number;
  ends: number;
}

/** Runs module functions in-thread like a worker would; `Type:method` and `Type:__tostring` included. */
export function recordingBridge(specs: ModuleSpec[] = [fakeTime, fakeRegistry]): RecordingBridge {
  const modules = new Map(specs.map((s) => [s.name, s]));
  const ctx = {} as never;
  const bridge: RecordingBridge = {
    modules,
    invocations: [],
    begins: 0,
    ends: 0,
    invoke(module, fn, args) {
      const spec = modules.get(module);
      if (!spec) throw new Error(`no module ${module}`);
      let target: HostFn | undefined;
      const colon = fn.indexOf(':');
      if (colon > 0) {
        const type = spec.types?.[fn.slice(0, colon)];
        const method = fn.slice(colon + 1);
        target = method === '__tostring' ? type?.tostring : type?.methods[method];
      } else {
        target = spec.functions[fn];
      }
      if (!target) throw new ArgumentFailure(`${module} has no function ${fn}`);
      const result = target(ctx, ...args) as GuestValue;
      bridge.invocations.push({ module, fn, args, result });
      return result;
    },
    begin() {
      bridge.begins += 1;
    },
    end() {
      bridge.ends += 1;
    },
  };
  return bridge;
}
