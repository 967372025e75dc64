// `micro-agi registry ls | show | history`: read-only views of the registry's current version.
// Text for people (tables, YAML), `--json` for scripts; unknown ids are REGISTRY_NOT_FOUND.
import { stringify } from 'yaml';
import { parseEntryId } from '../../schemas/entry.js';
import { AppError } from '../errors/app-error.js';
import type { FindFilter } from '../registry/types.js';
import { boolFlag, stringFlag, type ParsedArgs } from './argv.js';
import type { CommandIO } from './command-spec.js';
import { renderTable } from './table.js';
import { withSession } from './with-session.js';

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function checkId(id: string): void {
  if (parseEntryId(id) === undefined) {
    throw new AppError('USAGE', `invalid entry id "${id}": expected "namespace:name", e.g. app.tools:doc_search`, { id });
  }
}

export async function registryLs(args: ParsedArgs, io: CommandIO): Promise<number> {
  const filter: FindFilter = {
    ...(stringFlag(args, 'kind') !== undefined ? { kind: stringFlag(args, 'kind') } : {}),
    ...(stringFlag(args, 'ns') !== undefined ? { ns: stringFlag(args, 'ns') } : {}),
  };
  return withSession(args, io, (s) => {
    const snap = s.registry.current();
    const entries = [...snap.find(filter)].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const rows = entries.map((e) => ({ id: e.id, kind: e.kind, type: text(e.meta.type), title: text(e.meta.title) }));
    if (boolFlag(args, 'json')) {
      io.out(JSON.stringify(rows, null, 2) + '\n');
    } else if (rows.length === 0) {
      io.err(`micro-agi: no entries match at version ${snap.version}\n`);
    } else {
      io.out(renderTable(['ID', 'KIND', 'TYPE', 'TITLE'], rows.map((r) => [r.id, r.kind, r.type, r.title])));
    }
    return 0;
  });
}

export async function registryShow(args: ParsedArgs, io: CommandIO): Promise<number> {
  const id = args.positionals[0]!;
  checkId(id);
  return withSession(args, io, (s) => {
    const snap = s.registry.current();
    const entry = snap.get(id);
    if (entry === undefined) {
      throw new AppError('REGISTRY_NOT_FOUND', `no entry "${id}" at registry version ${snap.version}`, { id, version: snap.version });
    }
    if (boolFlag(args, 'json')) {
      io.out(JSON.stringify(entry, null, 2) + '\n');
      return 0;
    }
    const history = s.registry.history(id);
    const last = history[history.length - 1];
    const source = s.sources.get(id);
    const origin = last && last.version > 0 ? `version ${last.version} by ${last.actor}` : source ? `${source.file}:${source.line}` : 'app definition';
    io.out(stringify({ id: entry.id, kind: entry.kind, from: origin, meta: entry.meta, data: entry.data }, { lineWidth: 0, blockQuote: 'literal' }));
    return 0;
  });
}

export async function registryHistory(args: ParsedArgs, io: CommandIO): Promise<number> {
  const id = args.positionals[0]!;
  checkId(id);
  return withSession(args, io, (s) => {
    const records = s.registry.history(id);
    if (records.length === 0) {
      throw new AppError('REGISTRY_NOT_FOUND', `no history for "${id}": it was never defined or changed`, { id });
    }
    const messages = new Map(s.registry.versions().map((v) => [v.version, v.message]));
    const rows = records.map((r) => ({
      version: r.version,
      time: r.time,
      actor: r.actor,
      change: r.change,
      ...(messages.get(r.version) !== undefined ? { message: messages.get(r.version) } : {}),
    }));
    if (boolFlag(args, 'json')) {
      io.out(JSON.stringify(rows, null, 2) + '\n');
    } else {
      io.out(renderTable(['VERSION', 'TIME', 'ACTOR', 'CHANGE', 'MESSAGE'], rows.map((r) => [String(r.version), r.time, r.actor, r.change, r.message])));
    }
    return 0;
  });
}
