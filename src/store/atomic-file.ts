// Replacing a file whole: the text goes to a temporary file beside it, which is then renamed over it, so a
// crash leaves the old contents or the new ones, never a mix (results files, history, saved conversations).
import { randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';

/** Writes `text` as the new contents of `file`; `mode` applies to the file written (default: umask's). */
export function replaceFile(file: string, text: string, mode?: number): void {
  const temp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(temp, text, mode !== undefined ? { mode } : {});
  renameSync(temp, file);
}
