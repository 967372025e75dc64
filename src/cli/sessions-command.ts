// `micro-agi sessions [--json]`: the saved conversations of the home, newest first (id for --resume, when,
// questions asked, the model last used, the first question), so one can be picked to go on with.
import { readSavedSession, savedSessionFiles, sessionId } from '../agent/saved-sessions.js';
import { errorMessage } from '../errors/app-error.js';
import { homeLocation } from '../store/home.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import type { CommandIO } from './command-spec.js';
import { renderTable } from './table.js';

interface SessionRow {
  readonly id: string;
  readonly updated?: string;
  readonly questions?: number;
  readonly model?: string;
  readonly first?: string;
  readonly problem?: string;
}

const FIRST_CHARS = 60;

function rowOf(file: string): SessionRow {
  const id = sessionId(file);
  try {
    const saved = readSavedSession(file);
    const questions = saved.messages.filter((m) => m.role === 'user');
    const first = questions[0] && 'content' in questions[0] ? String(questions[0].content) : '';
    return {
      id,
      updated: saved.updated,
      questions: questions.length,
      model: saved.model,
      first: first.length > FIRST_CHARS ? `${first.slice(0, FIRST_CHARS - 1)}…` : first,
    };
  } catch (err) {
    return { id, problem: errorMessage(err) };
  }
}

export async function sessionsCommand(args: ParsedArgs, io: CommandIO): Promise<number> {
  const rows = savedSessionFiles(homeLocation(stringFlag(args, 'home'), io.env).dir).map(rowOf);
  if (boolFlag(args, 'json')) {
    io.out(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.out('(no saved conversations yet)\n');
    return 0;
  }
  io.out(
    renderTable(
      ['ID', 'UPDATED (UTC)', 'QUESTIONS', 'MODEL', 'FIRST QUESTION'],
      rows.map((r) => [r.id, r.updated?.replace('T', ' ').slice(0, 16), r.questions?.toString(), r.model, r.problem ? `(unreadable: ${r.problem})` : r.first]),
    ),
  );
  return 0;
}
