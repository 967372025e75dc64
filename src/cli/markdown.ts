// Streaming markdown -> ANSI for the terminal: headings, bold, inline code, fenced code blocks and lists,
// rendered a line at a time as chunks arrive; the plain renderer passes text through untouched (pipes).

/** Turns streamed answer text into what the terminal shows. `write` and `end` return the text to print. */
export interface AnswerRenderer {
  write(chunk: string): string;
  /** The rest of a line still held back (call once at the end of an answer). */
  end(): string;
}

const ESC = '\x1b[';
const RESET = `${ESC}0m`;
const BOLD = `${ESC}1m`;
const BOLD_OFF = `${ESC}22m`;
const DIM = `${ESC}2m`;
const UNDERLINE = `${ESC}4m`;
const CYAN = `${ESC}36m`;
const YELLOW = `${ESC}33m`;
const FG_OFF = `${ESC}39m`;

/** Text as it came (piped output, --json consumers, tests). */
export function plainRenderer(): AnswerRenderer {
  return { write: (chunk) => chunk, end: () => '' };
}

/** Inline markup of one line: **bold**, __bold__ and `code`. Unclosed markers stay literal. */
export function renderInline(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '`') {
      const close = line.indexOf('`', i + 1);
      if (close > i + 1) {
        out += `${CYAN}${line.slice(i + 1, close)}${FG_OFF}`;
        i = close + 1;
        continue;
      }
    }
    if ((ch === '*' || ch === '_') && line[i + 1] === ch) {
      const marker = ch + ch;
      const close = line.indexOf(marker, i + 2);
      if (close > i + 2) {
        out += `${BOLD}${renderInline(line.slice(i + 2, close))}${BOLD_OFF}`;
        i = close + 2;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

const FENCE = /^\s*(```|~~~)/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const NUMBERED = /^(\s*)(\d+)[.)]\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;

/** One complete markdown line (without its newline) as ANSI text; `inCode` tells whether a fence is open. */
function renderLine(line: string, state: { inCode: boolean }): string {
  const fence = FENCE.exec(line);
  if (fence) {
    state.inCode = !state.inCode;
    return `${DIM}${line.trim()}${RESET}`;
  }
  if (state.inCode) return `${YELLOW}${line}${FG_OFF}`;
  const heading = HEADING.exec(line);
  if (heading) return `${BOLD}${UNDERLINE}${renderInline(heading[2]!)}${RESET}`;
  if (RULE.test(line)) return `${DIM}${'─'.repeat(40)}${RESET}`;
  const bullet = BULLET.exec(line);
  if (bullet) return `${bullet[1]}  • ${renderInline(bullet[2]!)}`;
  const numbered = NUMBERED.exec(line);
  if (numbered) return `${numbered[1]}  ${numbered[2]}. ${renderInline(numbered[3]!)}`;
  return renderInline(line);
}

/**
 * ANSI renderer for a TTY. Markdown is line-oriented, so each line is printed once it is complete;
 * the unfinished tail waits for its newline (or for `end`).
 */
export function ansiRenderer(): AnswerRenderer {
  const state = { inCode: false };
  let pending = '';
  return {
    write(chunk) {
      pending += chunk;
      let out = '';
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        out += renderLine(pending.slice(0, nl).replace(/\r$/, ''), state) + '\n';
        pending = pending.slice(nl + 1);
        nl = pending.indexOf('\n');
      }
      return out;
    },
    end() {
      const rest = pending === '' ? '' : renderLine(pending, state);
      pending = '';
      const closing = state.inCode ? RESET : '';
      state.inCode = false;
      return rest + closing;
    },
  };
}

/** The renderer for a stream: ANSI on a terminal, plain text when piped. */
export function answerRenderer(isTTY: boolean): AnswerRenderer {
  return isTTY ? ansiRenderer() : plainRenderer();
}
