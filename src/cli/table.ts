// Plain-text tables for command output: left-aligned columns padded to the widest cell.
// Cells are single-line (newlines and tabs become spaces) so the table stays one row per item.

/** Render `rows` under `header`; empty cells print as "-". */
export function renderTable(header: readonly string[], rows: readonly (readonly (string | undefined)[])[]): string {
  const clean = rows.map((r) => header.map((_, i) => oneLine(r[i])));
  const widths = header.map((h, i) => Math.max(h.length, ...clean.map((r) => r[i]!.length)));
  const fmt = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  return fmt(header) + clean.map(fmt).join('');
}

function oneLine(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return v.replace(/[\r\n\t]+/g, ' ');
}
