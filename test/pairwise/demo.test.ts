import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { replayPairwise } from '../../src/cli/pairwise.ts';
import { projectFile } from '../../src/paths.ts';
import { consoleHarness } from '../helpers/console.ts';

const EXAMPLE = projectFile('examples/pairwise-ethereum.json');

let h: Awaited<ReturnType<typeof consoleHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('/demo round:pairwise', () => {
  it('GIVEN the example pairwise round loaded twice THEN there is one open round whose /weights are the replay of the example, whose export has its projects and comparisons, and a member judging gets a pair', async () => {
    h = await consoleHarness('2025-04-01T00:00:00Z');
    const first = await h.say('/as mod --moderator', '/demo round:pairwise');
    expect(first).toContain('Loaded pairwise round df-eth-2025 "Dependencies of Ethereum (demo)", open for judging: 30 projects, 12 jurors, 480 comparisons, 2 submissions.');
    expect(first).toContain('/weights');
    await h.say('/as mod --moderator', '/demo round:pairwise');
    expect(await h.db.selectFrom('pairwise_rounds').select('key').execute()).toEqual([{ key: 'df-eth-2025' }]);
    expect(await h.db.selectFrom('members').select('key').where('key', 'like', 'j%').execute()).toHaveLength(12);

    // the weights govbot replay examples/pairwise-ethereum.json --json computes, as /weights formats them
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    const nameOf = new Map<string, string>(example.projects.map((p: { id: string; name: string }) => [p.id, p.name]));
    const replayed = JSON.parse(replayPairwise(readFileSync(EXAMPLE), true)) as { projects: { id: string; weight: number }[] };
    const top = [...replayed.projects].sort((x, y) => y.weight - x.weight).slice(0, 3);
    const weights = await h.say('/as alice', '/weights');
    expect(weights).toContain('Current weights of round df-eth-2025, what mattered to Ethereum (l2log, 384 comparisons fitted)');
    for (const p of top) expect(weights).toMatch(new RegExp(`^${nameOf.get(p.id)} +[█▏▎▍▌▋▊▉]+ +${(p.weight * 100).toFixed(2)}%`, 'm'));

    const exported = await h.say('/as alice', '/pairwise export');
    const written = JSON.parse(readFileSync(/attachment written to (\S+)\)/.exec(exported)![1]!, 'utf8'));
    expect(written.projects).toEqual(example.projects);
    expect(written.comparisons).toEqual(example.comparisons);
    expect(written.submissions.map((s: { id: string }) => s.id)).toEqual(example.submissions.map((s: { id: string }) => s.id));

    const judged = await h.say('/as alice', '/judge');
    expect(judged).toContain('Which mattered more to Ethereum?');
    expect(judged).toContain('the round still wants 150');
    expect(judged).toMatch(/^ {2}\[About equal\] {2}\/judge round:df-eth-2025 a:[\w.-]+ b:[\w.-]+ pick:equal$/m);
  });
});
