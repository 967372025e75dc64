// `file://x` references inside a definition: every string value of that form, at any depth, is
// replaced by the contents of x, resolved relative to the YAML file that holds it.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { AppError } from '../errors/app-error.js';
import type { ParsedYaml, YamlPath } from './loader-yaml.js';

export const FILE_REF_PREFIX = 'file://';

/**
 * Return a copy of `value` (found at `path` inside `yaml`) with every `file://` string replaced.
 * `what` names the entry in errors. Throws AppError LOAD_FILE_REF naming file:line and the resolved path.
 */
export async function resolveFileRefs(value: unknown, yaml: ParsedYaml, path: YamlPath, what: string, absFile: string): Promise<unknown> {
  if (typeof value === 'string') {
    if (!value.startsWith(FILE_REF_PREFIX)) return value;
    const ref = value.slice(FILE_REF_PREFIX.length);
    const target = resolve(dirname(absFile), ref);
    const line = yaml.lineOf(path);
    if (ref.trim() === '') {
      throw new AppError('LOAD_FILE_REF', `${yaml.file}:${line}: ${what}: empty file:// reference`, { file: yaml.file, line });
    }
    try {
      return await readFile(target, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new AppError(
        'LOAD_FILE_REF',
        `${yaml.file}:${line}: ${what}: cannot read ${value} (resolved to ${target}): ${reason}`,
        { file: yaml.file, line, ref, resolved: target },
      );
    }
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) out.push(await resolveFileRefs(value[i], yaml, [...path, i], what, absFile));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: [string, unknown][] = [];
    for (const [k, v] of Object.entries(value)) out.push([k, await resolveFileRefs(v, yaml, [...path, k], what, absFile)]);
    return Object.fromEntries(out);
  }
  return value;
}
