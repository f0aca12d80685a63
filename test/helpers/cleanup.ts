import { afterEach } from 'vitest';

/**
 * Steps to undo after each test (close a fake, kill a process, destroy a database): run last first, each even when
 * an earlier one failed, so one test's leftovers never reach the next.
 */
export function cleanupAfterEach(): { push(...more: (() => Promise<unknown>)[]): void } {
  let steps: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of steps.reverse()) await step().catch(() => undefined);
    steps = [];
  });
  return { push: (...more) => void steps.push(...more) };
}
