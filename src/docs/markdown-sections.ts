// Splits one markdown page into its title and heading-delimited sections (headings inside fenced code
// blocks are ignored); the unit the doc index ranks and takes snippets from.

export interface DocSection {
  /** The heading text ("" for the text before the first sub-heading). */
  readonly heading: string;
  /** 1 for the page title section, 2 for `##`, ... */
  readonly level: number;
  /** The section's markdown without its heading line. */
  readonly body: string;
}

export interface ParsedPage {
  /** Text of the first `# ` heading, or the file name when the page has none. */
  readonly title: string;
  readonly sections: readonly DocSection[];
}

const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s*(```|~~~)/;

/** Split `markdown` at headings; `fallbackTitle` is used when the page has no `# ` heading. */
export function parseMarkdownPage(markdown: string, fallbackTitle: string): ParsedPage {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const sections: DocSection[] = [];
  let title: string | undefined;
  let heading = '';
  let level = 1;
  let body: string[] = [];
  let fence: string | undefined;
  const flush = (): void => {
    const text = body.join('\n').trim();
    if (text !== '' || heading !== '') sections.push({ heading, level, body: text });
    body = [];
  };
  for (const line of lines) {
    const f = FENCE.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1];
      else if (f[1] === fence) fence = undefined;
      body.push(line);
      continue;
    }
    const h = fence === undefined ? HEADING.exec(line) : null;
    if (!h) {
      body.push(line);
      continue;
    }
    flush();
    level = h[1]!.length;
    heading = h[2]!;
    if (level === 1 && title === undefined) {
      title = heading;
      heading = '';
    }
  }
  flush();
  return { title: title ?? fallbackTitle, sections };
}
