import { formatNumber } from './units.ts';

/** Cells of the bar a terminal shows. */
const BAR_WIDTH = 24;
/** A terminal line is redrawn at most this often: a million rows must not mean a million writes. */
const REDRAW_MS = 100;

/** `[██████░░░░░░]`, filled in proportion; a total of 0 counts as done. */
export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total <= 0 ? width : Math.min(width, Math.floor((done / total) * width));
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** `1,200 / 5,000`: how far a count has come. */
export const progressCount = (done: number, total: number) => `${formatNumber(done, 0)} / ${formatNumber(total, 0)}`;

/** A duration as a person reads it: `850 ms`, `12.3 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Where a command line's progress goes: standard error, and whether it is a terminal. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY: boolean;
}

/**
 * Progress of long work on a command line. On a terminal, one line redrawn in place (a bar, the percentage, the
 * count); elsewhere (a log, a pipe) a plain line at each quarter, since carriage returns would litter the file.
 * `finish` clears the bar and says how long the work took.
 */
export class ProgressLine {
  readonly #startedAt: number;
  #drawnAt = -Infinity;
  #quarter = -1;

  constructor(
    private readonly out: ProgressOutput,
    private readonly label: string,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.#startedAt = clock();
  }

  update(done: number, total: number): void {
    const share = total <= 0 ? 1 : Math.min(1, done / total);
    if (this.out.isTTY) {
      const now = this.clock();
      if (now - this.#drawnAt < REDRAW_MS && share < 1) return;
      this.#drawnAt = now;
      this.out.write(`\r${this.label} ${progressBar(done, total)} ${Math.floor(share * 100)}% ${progressCount(done, total)}`);
      return;
    }
    const quarter = Math.floor(share * 4);
    if (quarter === this.#quarter) return;
    this.#quarter = quarter;
    this.out.write(`${this.label}: ${quarter * 25}% (${progressCount(done, total)})\n`);
  }

  /** Clears the bar; returns how long the work took, for the line that reports it. */
  finish(): string {
    // Erase the whole line (ESC [ 2 K) so the summary after it does not mix with the bar.
    if (this.out.isTTY && this.#drawnAt !== -Infinity) this.out.write('\r\x1b[2K');
    return formatDuration(this.clock() - this.#startedAt);
  }
}

/** A chat's status message is edited at most this often: platforms limit edits, and readers need no faster. */
const STATUS_EVERY_MS = 1000;

/**
 * Progress for a chat status message ("Reading balances on eip155:1… 1,200 / 5,000"): the first count and the last
 * are always shown, those between at most once a second.
 */
export function chatProgress(show: (text: string) => void, clock: () => number = () => performance.now()) {
  let shownAt = -Infinity;
  return (label: string) => (done: number, total: number) => {
    const now = clock();
    if (done < total && done > 0 && now - shownAt < STATUS_EVERY_MS) return;
    shownAt = now;
    show(`${label}… ${progressCount(done, total)}`);
  };
}
