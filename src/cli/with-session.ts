// Runs a command body with the registry session its --home/--app flags name, and always closes it.
// bootstrap.js is imported on first use, so command tables can import this file at no startup cost.
import { stringFlag, type ParsedArgs } from './argv.js';
import type { Session } from './bootstrap.js';
import type { CommandIO } from './command-spec.js';

export async function withSession<T>(args: ParsedArgs, io: CommandIO, fn: (s: Session) => Promise<T> | T): Promise<T> {
  const { openSession } = await import('./bootstrap.js');
  const session = await openSession({
    home: stringFlag(args, 'home'),
    app: stringFlag(args, 'app'),
    env: io.env,
    onWarning: (w) => io.err(`micro-agi: warning: ${w}\n`),
  });
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
