// Finds the executable examples of the docs pages: ```lua example / ```js example blocks (the body of a
// handler), their optional ```json expect block, `no-run` marks, and the modules each one requires.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface DocExample {
  /** Page path without .md: `modules/time`. */
  readonly page: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'lua' | 'js';
  readonly code: string;
  readonly noRun: boolean;
  /** The parsed ```json expect block right after the example, when there is one. */
  readonly expect?: { readonly value: unknown };
  /** Module names passed to `require("...")` in the code. */
  readonly requires: readonly string[];
}

interface Fence {
  readonly info: string;
  readonly line: number;
  readonly body: string;
  /** Index of the line after the closing fence. */
  readonly end: number;
}

function fences(markdown: string): Fence[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') j++;
    if (j >= lines.length) throw new Error(`unclosed code fence at line ${start + 1}`);
    out.push({ info: open[1]!.trim(), line: start + 1, body: lines.slice(start + 1, j).join('\n'), end: j + 1 });
    i = j;
  }
  return out;
}

/** The examples of one page; throws for a ```json expect block that is not valid JSON. */
export function examplesOf(page: string, markdown: string): DocExample[] {
  const all = fences(markdown);
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: DocExample[] = [];
  all.forEach((f, k) => {
    const words = f.info.split(/\s+/);
    if ((words[0] !== 'lua' && words[0] !== 'js') || words[1] !== 'example') return;
    const next = all[k + 1];
    let expect: DocExample['expect'];
    const between = next ? lines.slice(f.end, next.line - 1) : [];
    if (next && next.info === 'json expect' && between.every((l) => l.trim() === '')) {
      try {
        expect = { value: JSON.parse(next.body) };
      } catch (err) {
        throw new Error(`${page}.md:${next.line}: json expect block is not valid JSON (${(err as Error).message})`);
      }
    }
    const requires = [...new Set([...f.body.matchAll(/require\(\s*["']([A-Za-z_][\w]*)["']\s*\)/g)].map((m) => m[1]!))];
    out.push({ page, line: f.line, lang: words[0], code: f.body, noRun: words.includes('no-run'), ...(expect ? { expect } : {}), requires });
  });
  return out;
}

/** Every example under `dir` (docs/**\/*.md), pages in path order. */
export function collectExamples(dir: string): DocExample[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.md')) files.push(full);
    }
  };
  walk(dir);
  return files.flatMap((file) => {
    const page = relative(dir, file).split(sep).join('/').replace(/\.md$/, '');
    return examplesOf(page, readFileSync(file, 'utf8'));
  });
}

/** The handler source an example body runs as. */
export function handlerSource(example: DocExample): string {
  if (example.lang === 'lua') return `local function handler(input)\n${example.code}\nend\nreturn { handler = handler }\n`;
  return `export function handler(input) {\n${example.code}\n}\n`;
}
