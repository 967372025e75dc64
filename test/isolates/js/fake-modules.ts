// Test support: small ModuleSpecs exercising every shape the engine marshals (functions with dotted
// names, constants, a TypedValue with methods and tostring, Multi, bytes, failures) and a privileged one.
import { ArgumentFailure, ModuleFailure, multi, type GuestValue, type ModuleSpec, type TypedValue } from '../../../src/modules/module-spec.js';

function duration(ms: number): TypedValue {
  return { __type: 'Duration', ms };
}

function msOf(value: GuestValue): number {
  if (typeof value === 'object' && value !== null && (value as TypedValue).__type === 'Duration') {
    return Number((value as TypedValue).ms);
  }
  throw new ArgumentFailure('Duration expected');
}

/** A `time`-like module: durations as typed values, a Multi-returning parser, failures. */
export const clockModule: ModuleSpec = {
  name: 'clock',
  summary: 'test clock',
  constants: { SECOND: 1000, UNITS: ['ms', 's'], ZERO: duration(0) },
  functions: {
    duration: (_ctx, ms) => {
      if (typeof ms !== 'number') throw new ArgumentFailure('clock.duration: number expected');
      return duration(ms);
    },
    parse: (_ctx, text) => {
      const m = /^(\d+)(ms|s)$/.exec(String(text));
      if (!m) throw new ModuleFailure('Invalid', `cannot parse '${String(text)}'`, { details: { input: String(text) } });
      return multi(duration(Number(m[1]) * (m[2] === 's' ? 1000 : 1)), m[2]);
    },
    'util.add': (_ctx, a, b) => duration(msOf(a) + msOf(b)),
    flaky: () => {
      throw new ModuleFailure('Unavailable', 'try again later', { retryable: true });
    },
    broken: () => {
      throw new Error('database exploded');
    },
    echo: (_ctx, ...args) => args,
  },
  types: {
    Duration: {
      methods: {
        seconds: (_ctx, self) => msOf(self) / 1000,
        plus: (_ctx, self, other) => duration(msOf(self) + msOf(other)),
      },
      tostring: (_ctx, self) => `${msOf(self)}ms`,
    },
  },
};

/** Binary data both ways: host Uint8Array <-> guest latin1 string / Uint8Array. */
export const binModule: ModuleSpec = {
  name: 'bin',
  summary: 'test bytes',
  functions: {
    bytes: () => new Uint8Array([0, 1, 127, 128, 255]),
    length: (_ctx, value) => (value instanceof Uint8Array ? value.length : -1),
    sum: (_ctx, value) => (value instanceof Uint8Array ? value.reduce((a, b) => a + b, 0) : -1),
    kind: (_ctx, value) => (value instanceof Uint8Array ? 'bytes' : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value),
    big: (_ctx, value) => (typeof value === 'bigint' ? value * 2n : -1),
  },
};

export const secretsModule: ModuleSpec = {
  name: 'secrets',
  summary: 'privileged test module',
  privileged: true,
  functions: { get: () => 'hunter2' },
};

export const allModules = [clockModule, binModule, secretsModule];
