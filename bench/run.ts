// `npm run bench`: runs every area's benchmark section, prints one table, writes bench/results.json.
// Each figure is printed beside the reference measured in the same run and the target it is judged by.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { packageRoot } from '../src/paths.js';
import type { BenchRow, BenchSection } from './types.js';

/** Sections in print order; each is bench/<name>.ts exporting run(). */
const SECTIONS = ['loader', 'registry', 'isolates', 'llm', 'agent', 'startup', 'batch', 'stress'] as const;

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function pad(s: string, w: number): string {
  return s.length >= w ? s : s + ' '.repeat(w - s.length);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: BenchRow[] = [];
  const failures: string[] = [];
  for (const name of SECTIONS) {
    if (only.length && !only.includes(name)) continue;
    let run: BenchSection;
    try {
      ({ run } = (await import(`./${name}.js`)) as { run: BenchSection });
    } catch (err) {
      failures.push(`${name}: section not available (${(err as Error).message.split('\n')[0]})`);
      continue;
    }
    process.stderr.write(`bench: ${name}...\n`);
    try {
      rows.push(...(await run()));
    } catch (err) {
      failures.push(`${name}: failed: ${(err as Error).stack ?? err}`);
    }
  }
  const header = ['area', 'measure', 'value', 'reference', 'ratio', 'target', 'met'];
  const table = rows.map((r) => [
    r.area,
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    r.reference ? `${r.reference.name}: ${fmt(r.reference.value)} ${r.reference.unit}` : '',
    r.reference && r.reference.value ? `${fmt(r.value / r.reference.value)}x` : '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => pad(c, widths[i]!)).join(' | ') + ' |';
  const out = [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...table.map(line)];
  process.stdout.write(out.join('\n') + '\n');
  for (const f of failures) process.stderr.write(`bench: ${f}\n`);
  const results = {
    time: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    rows,
    failures,
  };
  writeFileSync(join(packageRoot(), 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  if (failures.some((f) => f.includes(': failed:'))) process.exitCode = 1;
}

await main();
