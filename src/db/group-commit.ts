/** What one item of a batch came to: its value, or the error that undid it alone. */
export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the items that arrive while one batch is being written go together in the next, in the order they
 * arrived. `write` commits a batch in one transaction and says what each item came to; each `submit` settles only once
 * its batch is committed, so nobody is told of a write a crash could lose, and under load one commit serves many.
 * When `write` throws (the commit itself failed, or the batch met another writer's locks), nothing of the batch was
 * kept: each of its items is written again alone, in order, so that one cannot sink the others.
 * The vote writer (votes.ts) and the platform events (platforms/runtime.ts) both commit this way.
 */
export class GroupCommit<T, R> {
  #queue: Pending<T, R>[] = [];
  #flushing: Promise<void> | null = null;

  constructor(
    private readonly write: (batch: T[]) => Promise<Outcome<R>[]>,
    /** The most items one transaction takes: the longer a batch, the longer its first item waits for the commit. */
    private readonly limit: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#flushing ??= this.#drain();
    });
  }

  /** Resolves once every item submitted so far is settled. */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #drain(): Promise<void> {
    // Let the items that arrive in the same turn of the event loop join the first batch.
    await Promise.resolve();
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.limit);
      let outcomes: Outcome<R>[];
      try {
        outcomes = await this.write(batch.map((p) => p.item));
      } catch (error) {
        outcomes = batch.length === 1 ? [{ ok: false, error }] : await this.#oneByOne(batch.map((p) => p.item));
      }
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) p.resolve(outcome.value);
        else p.reject(outcome.error);
      });
    }
    this.#flushing = null;
  }

  async #oneByOne(items: T[]): Promise<Outcome<R>[]> {
    const outcomes: Outcome<R>[] = [];
    for (const item of items) outcomes.push(await this.write([item]).then(([alone]) => alone!, (error: unknown) => ({ ok: false as const, error })));
    return outcomes;
  }
}
