// Checks a tool call's arguments against the JSON Schema the tool is offered with, before anything runs, and
// words what is wrong so the model can repair its call. A schema a model wrote is data here, never code.
import { createRequire } from 'node:module';
import type { Schema, SchemaDraft, Validator } from '@cfworker/json-schema';
import { errorMessage } from '../errors/app-error.js';
import { logger } from '../log/logger.js';
import { problems, typeName } from './input-problem-text.js';
import { inputValues, MAX_CHECK_WORK, schemaNodes, withoutPatterns } from './input-schema-bounds.js';

const log = logger('agent.input');

/**
 * The validator's module, loaded on the first check: every thread that imports this file (the agent's, the
 * supervisor's, each isolate worker's through the tools module) would otherwise hold it from the start
 * (measured: idle RSS +0.4-1.0 MB).
 */
let validatorModule: typeof import('@cfworker/json-schema') | undefined;
function newValidator(schema: Schema, draft: SchemaDraft): Validator {
  validatorModule ??= createRequire(import.meta.url)('@cfworker/json-schema') as typeof import('@cfworker/json-schema');
  return new validatorModule.Validator(schema, draft, false);
}

/** A problem message for the model, or undefined when the arguments fit (or the schema cannot be checked). */
export type InputCheck = (args: Readonly<Record<string, unknown>>) => string | undefined;

/** At most this many problems are listed in one message. */
export const MAX_LISTED_PROBLEMS = 8;

function draftOf(schema: Record<string, unknown>): SchemaDraft {
  const id = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (id.includes('draft-04')) return '4';
  if (id.includes('draft-06') || id.includes('draft-07')) return '7';
  if (id.includes('2019-09')) return '2019-09';
  return '2020-12';
}

/** `value` with every object property whose value is null left out (the same value when there is none). */
function withoutNulls<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const items = value.map(withoutNulls);
    return (items.some((x, i) => x !== value[i]) ? items : value) as T;
  }
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null) {
      changed = true;
      continue;
    }
    const w = withoutNulls(v);
    if (w !== v) changed = true;
    out[k] = w;
  }
  return (changed ? out : value) as T;
}

/** The problems of one input (empty: it fits, or the schema cannot be checked). */
export type InputProblems = (input: Readonly<Record<string, unknown>>) => readonly string[];

/**
 * The problems of an input under `schema`, one line per wrong field (`ignored` names keys not checked, e.g.
 * the placeholder property offered to a tool without properties). Built on first use. A schema the
 * validator cannot use (an unresolvable $ref, nesting past 64 levels) finds no problems: the tool checks
 * its own input, as it did before. `label` names the schema in the log.
 */
export function inputProblems(label: string, schema: Readonly<Record<string, unknown>>, ignored: readonly string[] = []): InputProblems {
  let validator: Validator | null | undefined;
  let checkable: Schema | undefined;
  let nodes = 0;
  const unusable = (err: unknown): null => {
    log.warn({ schema: label, reason: errorMessage(err) }, 'input schema cannot be checked; inputs go to the tool unchecked');
    return null;
  };
  const build = (): Validator | null => {
    try {
      checkable = withoutPatterns(schema) as Schema;
      nodes = schemaNodes(checkable);
      return newValidator(checkable, draftOf(schema));
    } catch (err) {
      return unusable(err);
    }
  };
  return (input) => {
    validator ??= build();
    if (!validator) return [];
    // Validation work is bounded by schema nodes x input values: past the budget this input goes unchecked.
    if (nodes * inputValues(input, Math.ceil(MAX_CHECK_WORK / nodes)) > MAX_CHECK_WORK) {
      log.debug({ schema: label }, 'input too large to check against this schema; it goes to the tool unchecked');
      return [];
    }
    let instance: Readonly<Record<string, unknown>> = input;
    if (ignored.some((k) => k in input)) instance = Object.fromEntries(Object.entries(input).filter(([k]) => !ignored.includes(k)));
    try {
      const r = validator.validate(instance);
      if (r.valid) return [];
      // Models that learned OpenAI's strict mode send null for an optional field they leave out: a null the
      // schema refuses counts as the field left out (a Lua tool sees nil either way).
      const absent = withoutNulls(instance);
      if (absent === instance) return problems(r.errors, instance, checkable);
      const again = validator.validate(absent);
      return again.valid ? [] : problems(again.errors, absent, checkable);
    } catch (err) {
      // An unresolvable $ref or a recursion too deep: this schema cannot be checked, so it never is.
      validator = unusable(err);
      return [];
    }
  };
}

/**
 * The problems of a whole input value, as a model's call would send it: nothing (null) and an empty Lua
 * table (which arrives as []) are `{}`; any other value that is not an object is one problem.
 */
export function valueProblems(check: InputProblems, value: unknown): readonly string[] {
  const input = value === null || value === undefined || (Array.isArray(value) && value.length === 0) ? {} : value;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [`the input must be an object, got ${Array.isArray(input) ? 'an array' : typeName(input)}`];
  }
  return check(input as Record<string, unknown>);
}

/** The problems as one sentence: at most MAX_LISTED_PROBLEMS, then how many more. */
export function problemList(lines: readonly string[]): string {
  const more = lines.length > MAX_LISTED_PROBLEMS ? ` (and ${lines.length - MAX_LISTED_PROBLEMS} more)` : '';
  return `${lines.slice(0, MAX_LISTED_PROBLEMS).join('; ')}${more}`;
}

/** The check of a tool call's arguments: the message for the model, or undefined when they fit. */
export function inputCheck(toolName: string, schema: Readonly<Record<string, unknown>>, ignored: readonly string[] = []): InputCheck {
  const check = inputProblems(toolName, schema, ignored);
  return (args) => {
    const lines = check(args);
    if (lines.length === 0) return undefined;
    return `Arguments for tool "${toolName}" do not match its input schema: ${problemList(lines)}. The tool did not run; call ${toolName} again with arguments that match its schema.`;
  };
}
