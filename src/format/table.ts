export type Align = 'left' | 'right';
export interface Table {
  head: string[];
  rows: string[][];
  /** Per column; numbers read best right-aligned. */
  align?: Align[];
}

/** A plain-text table for monospace output: terminals, code blocks in chat. */
export function renderTable({ head, rows, align = [] }: Table): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (align[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
