// The hand-written argv parser: `--flag value`, `--flag=value`, boolean flags, `--` and positionals.
// Unknown flags and missing values are AppError USAGE (the CLI prints usage and exits 2).
import { AppError } from '../errors/app-error.js';

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** Shown in help, e.g. "DIR". */
  readonly value?: string;
  readonly help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
}

/** Parse `argv` against `specs` (flag names without dashes). Flags may appear anywhere. */
export function parseArgv(argv: readonly string[], specs: FlagSpecs): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean | undefined> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && arg !== '-h') {
        throw new AppError('USAGE', `unknown option ${arg}`, { option: arg });
      }
      if (arg === '-h') flags.help = true;
      else positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const spec = specs[name];
    if (spec === undefined) throw new AppError('USAGE', `unknown option --${name}`, { option: name });
    if (spec.type === 'boolean') {
      if (eq >= 0) throw new AppError('USAGE', `option --${name} takes no value`, { option: name });
      flags[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new AppError('USAGE', `option --${name} needs a value (${spec.value ?? 'VALUE'})`, { option: name });
      }
      i++;
    }
    if (value === '') throw new AppError('USAGE', `option --${name} needs a non-empty value`, { option: name });
    flags[name] = value;
  }
  return { positionals, flags };
}

/** The flag's string value, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}
