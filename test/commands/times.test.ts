import { afterEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../helpers/console.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const jobs = async () => (await harness.db.selectFrom('jobs').select(['target', 'due_at']).where('kind', '=', 'phase').orderBy('due_at').execute()).map((j) => `${j.target} ${j.due_at}`);

describe('times cannot surprise', () => {
  it('GIVEN close:12 THEN it is refused saying what to write, and nothing is scheduled', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/round create id:r1 name:R timezone:Europe/Berlin');
    expect(await harness.say('/round schedule close:12')).toContain('close: 12 is not a date-time; write 2025-03-08T18:00 (Europe/Berlin), 2025-03-08T18:00Z, or a duration such as 24h.');
    expect(await jobs()).toEqual([]);
  });

  it('GIVEN local times THEN they are read in the round\'s zone and echoed with the zone named', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round config key:timezone value:Europe/Berlin')).toContain('timezone is now "Europe/Berlin"');
    const out = await harness.say('/round schedule proposals:"2025-03-01 18:00" voting:2025-04-01T09:00 close:2025-04-08T09:00Z');
    expect(out).toContain('Round r1 scheduled: proposals at 2025-03-01 18:00 Europe/Berlin (2025-03-01T17:00:00Z), voting at 2025-04-01 09:00 Europe/Berlin (2025-04-01T07:00:00Z), closed at 2025-04-08 11:00 Europe/Berlin (2025-04-08T09:00:00Z).');
    expect(await jobs()).toEqual(['proposals 2025-03-01T17:00:00.000Z', 'voting 2025-04-01T07:00:00.000Z', 'closed 2025-04-08T09:00:00.000Z']);
    expect(await harness.say('/round show')).toContain('• phase → proposals: 2025-03-01 18:00 Europe/Berlin (2025-03-01T17:00:00Z)');
  });

  it('GIVEN durations THEN they count from now', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round schedule voting:30m close:1d12h')).toContain('voting at 2025-03-01 10:30 UTC (2025-03-01T10:30:00Z), closed at 2025-03-02 22:00 UTC (2025-03-02T22:00:00Z)');
    expect(await harness.say('/poll open question:"Q?" options:"A|B" closes:24h')).toContain('(closes 2025-03-02 10:00 UTC (2025-03-02T10:00:00Z))');
  });

  it('GIVEN a time that has passed THEN it is refused saying how it was understood', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/round create id:r1 name:R timezone:America/New_York');
    expect(await harness.say('/round schedule close:"2025-03-01 04:00"')).toContain('close: 2025-03-01 04:00 is 2025-03-01 04:00 America/New_York (2025-03-01T09:00:00Z), which has passed; give a time in the future.');
    expect(await harness.say('/poll open question:"Q?" options:"A|B" closes:2025-02-01T00:00Z')).toContain('closes: 2025-02-01T00:00Z is 2025-01-31 19:00 America/New_York (2025-02-01T00:00:00Z), which has passed');
    expect(await jobs()).toEqual([]);
    expect(await harness.db.selectFrom('questions').select('id').execute()).toEqual([]);
  });

  it('GIVEN a close before voting, or voting before proposals THEN it is refused, also against the phases already scheduled', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round schedule voting:7d close:2d')).toContain('close: 2025-03-03 10:00 UTC (2025-03-03T10:00:00Z) is not after voting at 2025-03-08 10:00 UTC (2025-03-08T10:00:00Z); the phases come in order: proposals, voting, close.');
    expect(await harness.say('/round schedule proposals:3d voting:1d')).toContain('voting: 2025-03-02 10:00 UTC (2025-03-02T10:00:00Z) is not after proposals');
    expect(await jobs()).toEqual([]);
    await harness.say('/round schedule voting:7d');
    expect(await harness.say('/round schedule close:2d')).toContain('close: 2025-03-03 10:00 UTC (2025-03-03T10:00:00Z) is not after voting at 2025-03-08 10:00 UTC');
    expect(await harness.say('/round schedule close:8d')).toContain('closed at 2025-03-09 10:00 UTC');
    expect(await jobs()).toEqual(['voting 2025-03-08T10:00:00.000Z', 'closed 2025-03-09T10:00:00.000Z']);
  });

  it('GIVEN a zone that does not exist THEN the round is not created, and /round config refuses it', async () => {
    harness = await consoleHarness('2025-03-01T10:00:00Z');
    expect(await harness.say('/round create id:r1 name:R timezone:Mars/Olympus')).toContain('timezone: "Mars/Olympus" is not an IANA time zone such as Europe/Berlin');
    expect(await harness.db.selectFrom('rounds').select('id').execute()).toEqual([]);
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round config key:timezone value:CEST')).toContain('"CEST" is not an IANA time zone');
  });
});
