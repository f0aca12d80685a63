import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Work per key (a server, a group) run once things have been quiet for `ms` after its last touch, one piece at a time
 * across keys, so that a burst of events costs one sync; a failure is handed to the touch's `failed`, and the next touch tries again.
 */
export class Debounced {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly ms: number) {}

  /** Runs `work` `ms` after the last touch of `key`; an earlier touch's work is dropped. */
  touch(key: string, work: () => Promise<void>, failed: (error: unknown) => void): void {
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.running = this.running.then(work).catch(failed);
    }, this.ms);
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Resolves when no work is due or running (tests, stop). */
  async idle(): Promise<void> {
    while (this.timers.size > 0) await sleep(Math.max(10, this.ms / 2));
    await this.running;
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
