// Splits Lua error messages of the form "<chunk>:<line>: <text>" into a line and the bare text,
// where <chunk> is the tool's chunk name, so reported lines are relative to the tool source.

const MAX_MESSAGE = 4000;

/** The chunk name Lua shows for a tool (LUA_IDSIZE keeps it short; long ids fall back to "tool"). */
export function chunkLabel(toolId: string): string {
  const clean = toolId.replace(/[\r\n]/g, ' ');
  return clean.length > 0 && clean.length <= 50 ? clean : 'tool';
}

export interface LocatedMessage {
  readonly message: string;
  readonly line?: number;
}

export function locate(raw: string, label: string, fallbackLine?: number): LocatedMessage {
  let message = raw;
  let line = fallbackLine;
  const prefix = `${label}:`;
  if (message.startsWith(prefix)) {
    const m = /^(\d+): ?/.exec(message.slice(prefix.length));
    if (m) {
      line = Number(m[1]);
      message = message.slice(prefix.length + m[0].length);
    }
  }
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}… (${message.length} chars)`;
  return line !== undefined && line > 0 ? { message, line } : { message };
}
