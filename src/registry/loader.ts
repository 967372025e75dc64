// The Wippy-format definition loader: a directory tree of `_index.yaml` (and other definition YAML)
// files -> validated registry entries, all or nothing, with file:line for every error.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { NAME_RE, NAMESPACE_RE, formatEntryId, type Entry } from '../../schemas/entry.js';
import { isKnownKind, validateEntry } from '../../schemas/validate.js';
import { AppError } from '../errors/app-error.js';
import { logger } from '../log/logger.js';
import { resolveFileRefs } from './loader-file-ref.js';
import { parseYamlFile, type ParsedYaml, type YamlPath } from './loader-yaml.js';

export interface EntrySource {
  /** The YAML file, as shown in messages (the loaded directory joined with the relative path). */
  readonly file: string;
  /** 1-based line where the entry starts. */
  readonly line: number;
}

export interface LoadResult {
  /** Entries in a stable order: files sorted by path, entries in file order. */
  readonly entries: Entry[];
  /** One line per unknown kind (and other non-fatal findings). */
  readonly warnings: string[];
  readonly sources: Map<string, EntrySource>;
}

export interface LoadOptions {
  /** Run schemas/validate on every entry (default true). */
  readonly validate?: boolean;
  /** Send warnings to the logger as well as returning them (default true). */
  readonly logWarnings?: boolean;
}

const DEFAULTS: Required<LoadOptions> = { validate: true, logWarnings: true };

const ENTRY_RESERVED = new Set(['name', 'kind', 'meta']);
const SINGLE_RESERVED = new Set(['version', 'namespace', 'name', 'kind', 'meta']);
const SKIP_DIRS = new Set(['node_modules']);

/** A definition entry found in one file, before file:// resolution. */
interface RawEntry {
  readonly raw: Record<string, unknown>;
  /** YAML path of the entry map inside the file ([] for a single-entry file). */
  readonly path: YamlPath;
  readonly reserved: ReadonlySet<string>;
}

/**
 * Load every definition under `dir`. Throws AppError (LOAD_IO, LOAD_YAML_SYNTAX, LOAD_FILE_REF,
 * LOAD_DUPLICATE_ID, LOAD_INVALID_ENTRY) naming file:line and the entry; returns nothing partial.
 */
export async function loadDefinitions(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const opts = { ...DEFAULTS, ...options };
  const files = await listYamlFiles(dir);
  const entries: Entry[] = [];
  const sources = new Map<string, EntrySource>();
  const unknownKinds = new Map<string, string>();

  for (const rel of files) {
    const abs = resolve(dir, rel);
    const shown = join(dir, rel);
    let text: string;
    try {
      text = await readFile(abs, 'utf8');
    } catch (err) {
      throw new AppError('LOAD_IO', `${shown}: cannot read: ${(err as Error).message}`, { file: shown });
    }
    const yaml = parseYamlFile(shown, text);
    const isIndex = rel.split(/[\\/]/).pop() === '_index.yaml';
    const found = definitionEntries(yaml, isIndex);
    if (found === undefined) continue;

    const sharedMeta = (await resolveFileRefs(found.meta, yaml, ['meta'], `namespace ${found.namespace}`, abs)) as Record<string, unknown>;
    for (const item of found.entries) {
      const entry = await buildEntry(yaml, abs, found.namespace, sharedMeta, item);
      const line = yaml.lineOf(item.path);
      const prior = sources.get(entry.id);
      if (prior !== undefined) {
        throw new AppError(
          'LOAD_DUPLICATE_ID',
          `${shown}:${line}: duplicate entry id ${entry.id} (first defined at ${prior.file}:${prior.line})`,
          { id: entry.id, file: shown, line, firstFile: prior.file, firstLine: prior.line },
        );
      }
      if (opts.validate) checkEntry(entry, yaml, item, line);
      if (!isKnownKind(entry.kind) && !unknownKinds.has(entry.kind)) {
        unknownKinds.set(entry.kind, `unknown kind "${entry.kind}" (first at ${shown}:${line}, entry ${entry.id}): kept without kind-specific validation`);
      }
      sources.set(entry.id, { file: shown, line });
      entries.push(entry);
    }
  }

  const warnings = [...unknownKinds.values()];
  if (opts.logWarnings && warnings.length > 0) {
    const log = logger('loader');
    for (const w of warnings) log.warn({ dir }, w);
  }
  return { entries, warnings, sources };
}

/** Relative paths of every *.yaml / *.yml file under dir, sorted, skipping dot-dirs and node_modules. */
async function listYamlFiles(dir: string): Promise<string[]> {
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    throw new AppError('LOAD_IO', `${dir}: app definition directory not readable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { dir });
  }
  if (!st.isDirectory()) throw new AppError('LOAD_IO', `${dir}: app definition path is not a directory`, { dir });
  const out: string[] = [];
  const walk = async (abs: string): Promise<void> => {
    const items = await readdir(abs, { withFileTypes: true });
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const it of items) {
      const p = join(abs, it.name);
      if (it.isDirectory()) {
        if (!it.name.startsWith('.') && !SKIP_DIRS.has(it.name)) await walk(p);
      } else if (it.isFile() && /\.ya?ml$/.test(it.name)) {
        out.push(relative(resolve(dir), p));
      }
    }
  };
  await walk(resolve(dir));
  return out;
}

/** The definition entries of a parsed file, or undefined if a non-index file is not a definition. */
function definitionEntries(
  yaml: ParsedYaml,
  isIndex: boolean,
): { namespace: string; meta: Record<string, unknown>; entries: RawEntry[] } | undefined {
  const root = yaml.value;
  if (!isRecord(root)) {
    if (!isIndex) return undefined;
    throw invalid(yaml, [], 'an _index.yaml must be a map with "namespace" and "entries"');
  }
  const single = root.entries === undefined && (root.name !== undefined || root.kind !== undefined);
  if (!isIndex && (root.namespace === undefined || (root.entries === undefined && !single))) return undefined;
  const ns = root.namespace;
  if (typeof ns !== 'string' || !NAMESPACE_RE.test(ns)) {
    throw invalid(yaml, ns === undefined ? [] : ['namespace'],
      ns === undefined ? 'missing required "namespace"' : `invalid namespace ${JSON.stringify(ns)} (expected dotted identifiers like "app.tools")`);
  }
  const meta = root.meta ?? {};
  if (!isRecord(meta)) throw invalid(yaml, ['meta'], `shared "meta" must be a map (got ${typeName(meta)})`);
  if (single) return { namespace: ns, meta: {}, entries: [{ raw: root, path: [], reserved: SINGLE_RESERVED }] };
  const list = root.entries ?? [];
  if (!Array.isArray(list)) throw invalid(yaml, ['entries'], `"entries" must be a list (got ${typeName(list)})`);
  const entries: RawEntry[] = list.map((raw, i) => {
    if (!isRecord(raw)) throw invalid(yaml, ['entries', i], `entry #${i + 1} must be a map with name and kind (got ${typeName(raw)})`);
    return { raw, path: ['entries', i], reserved: ENTRY_RESERVED };
  });
  return { namespace: ns, meta, entries };
}

async function buildEntry(yaml: ParsedYaml, abs: string, ns: string, sharedMeta: Record<string, unknown>, item: RawEntry): Promise<Entry> {
  const { raw, path } = item;
  const name = raw.name;
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw invalid(yaml, name === undefined ? path : [...path, 'name'],
      name === undefined ? `entry in namespace ${ns} has no "name"` : `invalid entry name ${JSON.stringify(name)} in namespace ${ns}`);
  }
  const id = formatEntryId(ns, name);
  const kind = raw.kind;
  if (typeof kind !== 'string' || kind.length === 0) {
    throw invalid(yaml, kind === undefined ? path : [...path, 'kind'], `entry ${id}: "kind" must be a non-empty string (got ${typeName(kind)})`);
  }
  const ownMeta = raw.meta ?? {};
  if (!isRecord(ownMeta)) throw invalid(yaml, [...path, 'meta'], `entry ${id}: "meta" must be a map (got ${typeName(ownMeta)})`);
  const what = `entry ${id}`;
  const meta = { ...sharedMeta, ...((await resolveFileRefs(ownMeta, yaml, [...path, 'meta'], what, abs)) as Record<string, unknown>) };
  const data: [string, unknown][] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (!item.reserved.has(k)) data.push([k, await resolveFileRefs(v, yaml, [...path, k], what, abs)]);
  }
  return { id, kind, meta, data: Object.fromEntries(data) };
}

function checkEntry(entry: Entry, yaml: ParsedYaml, item: RawEntry, line: number): void {
  const r = validateEntry(entry);
  if (r.ok) return;
  const problems = r.problems ?? r.issues.map((message) => ({ path: [] as (string | number)[], message }));
  const texts = problems.map((p, i) => {
    const fieldLine = yaml.lineOf(yamlPathOf(item, p.path));
    const text = r.problems ? r.issues[i]! : p.message;
    return fieldLine !== line ? `${text} [line ${fieldLine}]` : text;
  });
  throw new AppError('LOAD_INVALID_ENTRY', `${yaml.file}:${line}: entry ${entry.id} (${entry.kind}): invalid ${texts.join('; ')}`, {
    id: entry.id,
    file: yaml.file,
    line,
    issues: r.issues,
  });
}

/** Map an entry field path (`data.source`, `meta.type`) to the YAML path it came from. */
function yamlPathOf(item: RawEntry, fieldPath: readonly (string | number)[]): YamlPath {
  const [head, ...rest] = fieldPath;
  if (head === 'data') return [...item.path, ...rest];
  if (head === 'meta') {
    const own = item.raw.meta;
    if (isRecord(own) && typeof rest[0] === 'string' && rest[0] in own) return [...item.path, 'meta', ...rest];
    if (item.path.length > 0 && typeof rest[0] === 'string') return ['meta', ...rest];
    return [...item.path, 'meta'];
  }
  if (head === 'id') return [...item.path, 'name'];
  if (head === 'kind') return [...item.path, 'kind'];
  return item.path;
}

function invalid(yaml: ParsedYaml, path: YamlPath, message: string): AppError {
  const line = yaml.lineOf(path);
  return new AppError('LOAD_INVALID_ENTRY', `${yaml.file}:${line}: ${message}`, { file: yaml.file, line });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}
