export type Align = 'left' | 'right' | 'decimal';
export interface Table {
  head: string[];
  rows: string[][];
  /** Per column; numbers read best right-aligned, and amounts with decimals aligned on their decimal point. */
  align?: Align[];
}

/** A cell split at its decimal point: "1,234.5 *" → ["1,234", ".5 *"]; a cell without one is all whole part. */
const splitAtPoint = (cell: string): [string, string] => {
  const at = cell.indexOf('.');
  return at < 0 ? [cell, ''] : [cell.slice(0, at), cell.slice(at)];
};

/** A plain-text table for monospace output: terminals, code blocks in chat. */
export function renderTable({ head, rows, align = [] }: Table): string {
  // Decimal columns: whole parts right-aligned, fractions left-aligned, so the points line up.
  const aligned = rows.map((r) => [...r]);
  head.forEach((_, i) => {
    if (align[i] !== 'decimal') return;
    const parts = rows.map((r) => splitAtPoint(r[i] ?? ''));
    const whole = Math.max(0, ...parts.map(([w]) => w.length));
    const fraction = Math.max(0, ...parts.map(([, f]) => f.length));
    parts.forEach(([w, f], k) => (aligned[k]![i] = w.padStart(whole) + f.padEnd(fraction)));
  });
  const widths = head.map((h, i) => Math.max(h.length, ...aligned.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (align[i] === 'left' || align[i] === undefined ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...aligned.map(line)].join('\n');
}
