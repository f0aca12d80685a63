import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { replayPairwise } from '../../src/cli/pairwise.ts';
import { exportPairwiseRound } from '../../src/db/pairwise.ts';
import { consoleHarness } from '../helpers/console.ts';
import { consoleSurface } from './console-surface.ts';
import { deepFundingRound } from './scenario.ts';

let h: Awaited<ReturnType<typeof consoleHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a Deep Funding round on the console', () => {
  it('GIVEN a moderator, six jurors and a random one judging through buttons, and two modelers THEN every posted number is the replay of the export and every next pair is govbot pairwise next', async () => {
    h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example' });
    const { report, latencyP99 } = await deepFundingRound(consoleSurface(h));
    expect(report.projects).toHaveLength(12);
    expect(latencyP99).toBeLessThan(1000);
    // The moderator's export is the file every number was checked against, and anyone may have it.
    const exported = await h.say('/as m1', '/pairwise export');
    expect(exported).toContain('npx govbot replay df1.json');
    const written = readFileSync(/attachment written to (\S+)\)/.exec(exported)![1]!);
    const row = (await h.db.selectFrom('pairwise_rounds').selectAll().executeTakeFirstOrThrow());
    expect(written.toString()).toBe((await exportPairwiseRound(h.db, row)).file);
    // govbot replay of it gives the report the scenario checked the posts against
    expect(JSON.parse(replayPairwise(written, true)).projects.map((p: { weight: number }) => p.weight)).toEqual(report.projects.map((p) => p.weight));
  });
});
