// Multi-line paste at the interactive prompt: the terminal's bracketed paste (ESC[200~ ... ESC[201~) reaches
// readline with its line breaks folded to ␤, so a pasted block is one prompt; `unfoldLines` restores them.
import { StringDecoder } from 'node:string_decoder';
import { Transform, type Readable, type TransformCallback } from 'node:stream';

/** Shown in the line editor for a pasted line break, and turned back into '\n' when the line is sent. */
export const FOLDED_NEWLINE = '\u2424';
export const PASTE_ON = '\x1b[?2004h';
export const PASTE_OFF = '\x1b[?2004l';
const START = '\x1b[200~';
const END = '\x1b[201~';

/** How long a read's tail that may begin a paste marker waits for the rest (then it is passed on as typed). */
export const MARKER_WAIT_MS = 30;

/** The longest tail of `text` that is a strict prefix of `marker` (it may complete in the next read). */
function partialMarker(text: string, marker: string): number {
  for (let n = Math.min(marker.length - 1, text.length); n >= 1; n--) {
    if (text.endsWith(marker.slice(0, n))) return n;
  }
  return 0;
}

/** Drops the paste markers and folds the line breaks between them (CRLF, CR, LF) into FOLDED_NEWLINE. */
export class PasteFolding extends Transform {
  #pasting = false;
  /** A tail that may be the start of a marker, held until the next read or MARKER_WAIT_MS. */
  #held = '';
  #timer: NodeJS.Timeout | undefined;
  /** The paste's text so far ended with CR (an LF at the start of the next read belongs to it). */
  #afterCR = false;
  /** A character whose UTF-8 bytes two reads split is put together (as readline itself does). */
  readonly #decoder = new StringDecoder('utf8');

  constructor() {
    super({ decodeStrings: false, encoding: 'utf8' });
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    clearTimeout(this.#timer);
    const out = this.#fold(this.#take() + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)), true);
    if (this.#held !== '') {
      // The Escape key alone looks like a marker's start: it goes on as typed if nothing follows soon.
      this.#timer = setTimeout(() => this.push(this.#fold(this.#take(), false)), MARKER_WAIT_MS);
      this.#timer.unref();
    }
    done(null, out);
  }

  override _flush(done: TransformCallback): void {
    clearTimeout(this.#timer);
    done(null, this.#fold(this.#take() + this.#decoder.end(), false));
  }

  #take(): string {
    const held = this.#held;
    this.#held = '';
    return held;
  }

  /** The text readline gets for `input`; with `holdTail`, a tail that may begin the next marker is held. */
  #fold(input: string, holdTail: boolean): string {
    let text = input;
    let out = '';
    for (;;) {
      const marker = this.#pasting ? END : START;
      const at = text.indexOf(marker);
      let part = at < 0 ? text : text.slice(0, at);
      if (at < 0 && holdTail) {
        const keep = partialMarker(part, marker);
        this.#held = part.slice(part.length - keep);
        part = part.slice(0, part.length - keep);
      }
      if (this.#pasting) {
        // A CRLF split between two reads is one line break.
        if (this.#afterCR && part.startsWith('\n')) part = part.slice(1);
        if (part !== '') this.#afterCR = part.endsWith('\r');
        out += part.replace(/\r\n|\r|\n/g, FOLDED_NEWLINE);
      } else {
        out += part;
      }
      if (at < 0) return out;
      this.#pasting = !this.#pasting;
      this.#afterCR = false;
      text = text.slice(at + marker.length);
    }
  }
}

type TtyInput = Readable & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => unknown };

/** `tty` seen through PasteFolding, still TTY-like for readline (raw mode is set on `tty`). */
export class FoldedTty extends PasteFolding {
  readonly isTTY: boolean;
  readonly #tty: TtyInput;

  constructor(tty: TtyInput) {
    super();
    this.#tty = tty;
    this.isTTY = tty.isTTY === true;
    tty.pipe(this);
  }

  get isRaw(): boolean {
    return this.#tty.isRaw === true;
  }

  setRawMode(mode: boolean): this {
    this.#tty.setRawMode?.(mode);
    return this;
  }

  /** Stops reading the terminal (readline's close pauses only this stream), so the process can exit. */
  detach(): void {
    this.#tty.unpipe(this);
    this.#tty.pause();
  }
}

/** The text of a submitted line: folded pasted line breaks become '\n' again. */
export function unfoldLines(line: string): string {
  return line.replaceAll(FOLDED_NEWLINE, '\n');
}
