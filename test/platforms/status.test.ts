import { describe, expect, it } from 'vitest';
import { StatusMessage } from '../../src/platforms/status.ts';
import { memoryLogger } from '../helpers/log.ts';

const EVERY_MS = 60;

/** A platform that records each call with when it came, and fails the calls it is told to. */
function surface(fail: (call: number) => boolean = () => false) {
  const calls: { kind: 'post' | 'edit'; text: string; at: number }[] = [];
  const record = (kind: 'post' | 'edit') => async (text: string) => {
    calls.push({ kind, text, at: performance.now() });
    if (fail(calls.length)) throw new Error(`${kind} refused`);
  };
  return { calls, post: record('post'), edit: record('edit') };
}

describe('a status message shown while long work runs', () => {
  it('GIVEN lines faster than the edit pace THEN the first is posted, the newest edited after the pause, those between dropped and an unchanged line never sent', async () => {
    const platform = surface();
    const status = new StatusMessage(platform, memoryLogger().logger, { everyMs: EVERY_MS });
    status.show('1 / 4');
    status.show('2 / 4');
    status.show('3 / 4');
    await status.finish();
    status.show('3 / 4');
    await status.finish();
    expect(platform.calls.map((c) => [c.kind, c.text])).toEqual([
      ['post', '1 / 4'],
      ['edit', '3 / 4'],
    ]);
    expect(platform.calls[1]!.at - platform.calls[0]!.at).toBeGreaterThanOrEqual(EVERY_MS - 1);
  });

  it('GIVEN the platform refuses an edit THEN one warning, no further call, and show never throws', async () => {
    const platform = surface((call) => call === 2);
    const log = memoryLogger();
    const status = new StatusMessage(platform, log.logger, { everyMs: 1 });
    status.show('1 / 3');
    await status.finish();
    status.show('2 / 3');
    await status.finish();
    status.show('3 / 3');
    await status.finish();
    expect(platform.calls.map((c) => c.text)).toEqual(['1 / 3', '2 / 3']);
    expect(log.lines.map((l) => [l.level, l.msg, l['error']])).toEqual([['warn', 'could not edit a status message; the work goes on without it', 'edit refused']]);
  });

  it('GIVEN an edit waiting for its turn when the answer comes THEN cancel drops it at once and later lines are ignored', async () => {
    const platform = surface();
    const status = new StatusMessage(platform, memoryLogger().logger, { everyMs: 10_000 });
    status.show('1 / 2');
    status.show('2 / 2');
    const started = performance.now();
    await status.cancel();
    status.show('again');
    await status.finish();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(platform.calls.map((c) => c.text)).toEqual(['1 / 2']);
  });
});
