// The shape of one CLI command in main.ts's command table: its words, help, flags and a lazy loader.
// Command modules export handlers `(args, io) => exit code`; they are imported only when run.
import type { FlagSpecs, ParsedArgs } from './argv.js';

/** Where a command writes: stdout for its output, stderr for warnings and progress. */
export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export type CommandHandler = (args: ParsedArgs, io: CommandIO) => Promise<number>;

export interface CommandSpec {
  /** The command words, e.g. ['registry', 'ls']. */
  readonly words: readonly string[];
  /** Arguments after the words, e.g. "ID" or "ACTION RESOURCE". */
  readonly args?: string;
  readonly summary: string;
  /** Longer help text, shown by `--help`. */
  readonly help?: string;
  /** Command-specific flags (the global ones are added by main). */
  readonly flags: FlagSpecs;
  /** Positional count accepted after the words. */
  readonly positionals: { readonly min: number; readonly max: number };
  /** Lazy import of the handler, so startup only loads what runs. */
  readonly load: () => Promise<CommandHandler>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: FlagSpecs = {
  help: { type: 'boolean', help: 'show help for the command' },
  home: { type: 'string', value: 'DIR', help: 'state directory (default $MICRO_AGI_HOME or ~/.micro-agi)' },
  app: { type: 'string', value: 'DIR', help: 'app definition directory (default: the built-in Micro AGI app)' },
};

export const JSON_FLAG: FlagSpecs = {
  json: { type: 'boolean', help: 'print JSON instead of text' },
};
