// One parsed definition file for the loader: its plain value plus line lookups for any path in it.
// Wraps the `yaml` package (parseDocument + LineCounter); a syntax error becomes LOAD_YAML_SYNTAX.
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { AppError } from '../errors/app-error.js';

export type YamlPath = readonly (string | number)[];

export interface ParsedYaml {
  /** Path of the file as it is shown in messages. */
  readonly file: string;
  /** The document as plain JS (maps are objects). */
  readonly value: unknown;
  /** 1-based line of the node at `path`, or of its nearest ancestor that has a position. */
  lineOf(path: YamlPath): number;
}

/** Parse YAML text; throws AppError LOAD_YAML_SYNTAX naming file:line:col. */
export function parseYamlFile(file: string, text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const reason = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new AppError('LOAD_YAML_SYNTAX', `${file}:${line}:${col}: YAML syntax error: ${reason}`, {
      file,
      line,
      col,
      yamlCode: first.code,
    });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new AppError('LOAD_YAML_SYNTAX', `${file}:1:1: YAML error: ${(err as Error).message}`, { file, line: 1, col: 1 });
  }
  return { file, value, lineOf: (path) => lineOfPath(doc, lineCounter, path) };
}

function lineOfPath(doc: Document, lc: LineCounter, path: YamlPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return 1;
}
