import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../log.ts';

/** A status message is edited at most this often: platforms limit edits per message, and nobody reads faster. */
export const STATUS_EDIT_EVERY_MS = 1000;

/** How a platform shows a status line: posts it the first time, edits that message afterwards. */
export interface StatusSurface {
  post(text: string): Promise<void>;
  edit(text: string): Promise<void>;
}

/**
 * One status message ("Reading balances… 1,200 / 5,000") shown while long work runs, straight through the platform:
 * best effort, so `show` never waits and never throws. The newest text wins; an edit comes at least `everyMs` after
 * the previous call returned, and a text already shown is not sent again (Telegram refuses an edit that changes
 * nothing). A call that fails is logged as a warning and the status is given up: the work's own answer says how it ended.
 */
export class StatusMessage {
  #wanted: string | undefined;
  #shown: string | undefined;
  #shownAt = -Infinity;
  #posted = false;
  #gaveUp = false;
  #drain: Promise<void> = Promise.resolve();
  #running = false;
  readonly #cancelled = new AbortController();
  readonly #everyMs: number;
  readonly #clock: () => number;
  readonly #describe: (error: unknown) => unknown;

  constructor(
    private readonly surface: StatusSurface,
    private readonly log: Logger,
    options: { everyMs?: number; clock?: () => number; describe?: (error: unknown) => unknown } = {},
  ) {
    this.#everyMs = options.everyMs ?? STATUS_EDIT_EVERY_MS;
    this.#clock = options.clock ?? (() => performance.now());
    this.#describe = options.describe ?? ((error) => (error instanceof Error ? error.message : String(error)));
  }

  show(text: string): void {
    if (this.#gaveUp || this.#cancelled.signal.aborted) return;
    this.#wanted = text;
    if (this.#running) return;
    this.#running = true;
    this.#drain = this.#run();
  }

  /** Resolves once the newest text is shown (or given up): at most `everyMs` from now. */
  async finish(): Promise<void> {
    while (this.#running) await this.#drain;
  }

  /** Drops what is not shown yet and waits for the call in flight: the message is about to become something else. */
  async cancel(): Promise<void> {
    this.#cancelled.abort();
    await this.finish();
  }

  async #run(): Promise<void> {
    const signal = this.#cancelled.signal;
    try {
      while (!this.#gaveUp && !signal.aborted && this.#wanted !== this.#shown) {
        const wait = this.#shownAt + this.#everyMs - this.#clock();
        if (wait > 0) {
          await sleep(wait, undefined, { signal }).catch(() => undefined);
          continue;
        }
        const text = this.#wanted!;
        try {
          await (this.#posted ? this.surface.edit(text) : this.surface.post(text));
          this.#posted = true;
          this.#shown = text;
        } catch (error) {
          this.#gaveUp = true;
          this.log.warn(`could not ${this.#posted ? 'edit' : 'post'} a status message; the work goes on without it`, { error: this.#describe(error) });
        }
        // From when the call returned: the platform sees two calls at least `everyMs` apart, whatever the network did.
        this.#shownAt = this.#clock();
      }
    } finally {
      // In the same turn as the loop's last check, so that a text shown after it starts a new run.
      this.#running = false;
    }
  }
}
