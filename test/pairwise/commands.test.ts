import { afterEach, describe, expect, it } from 'vitest';
import { computeReport } from '../../src/core/report.ts';
import { findRound, loadRoundData, roundConfigOf } from '../../src/db/repositories.ts';
import { consoleHarness } from '../helpers/console.ts';

let h: Awaited<ReturnType<typeof consoleHarness>> | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const PROJECTS = 'name,url,parent\nclients,,\ntooling,,\ngeth,https://geth.ethereum.org,clients\nreth,,clients\nbesu,,clients\nsolidity,,tooling\nvyper,,tooling';

async function round(extra: string[] = []) {
  const c = (h = await consoleHarness());
  await c.say('/as mod --moderator', '/pairwise create id:df1 name:D root:Ethereum', `/pairwise projects file:"${PROJECTS}"`, ...extra);
  return c;
}

describe('/pairwise, /judge, /weights and /submit', () => {
  it('GIVEN a round created in chat THEN it starts with huber, the aggregation that copes with wildly-off answers, and no juror weighting', async () => {
    const c = await round();
    expect(await c.say('/pairwise show')).toContain('aggregation  huber, juror weighting none');
  });

  it('GIVEN project lists with an unknown parent, a cycle or a repeated id THEN nothing is added and each problem is named', async () => {
    const c = await round();
    expect(await c.say('/pairwise projects file:"name,parent\nlighthouse,consensus"')).toContain('project lighthouse.parent: consensus is not a project of the round');
    expect(await c.say('/pairwise projects file:"id,name,parent\na,A,b\nb,B,a"')).toMatch(/would be its own ancestor/);
    expect(await c.say('/pairwise projects file:"name\ngeth"')).toContain('geth is listed twice');
    expect(await c.say('/pairwise projects file:"title\nx"')).toContain('the first line names the columns');
    expect(await c.say('/pairwise show')).not.toContain('lighthouse');
  });

  it('GIVEN named jurors, or jurors with a verified wallet THEN anyone else is told why they may not judge, and a named juror judges', async () => {
    const c = await round(['/pairwise open']);
    await c.say('/as alice', '/judge', '/as bob', '/judge');
    expect(await c.say('/as mod --moderator', '/pairwise jurors member:alice')).toContain('judged by the jurors named with /pairwise jurors member:…; alice is one of them');
    expect(await c.say('/as bob', '/judge')).toContain('is judged by the jurors the moderators named; ask them to add you.');
    expect(await c.say('/as alice', '/judge')).toContain('Which mattered more to');
    await c.say('/as mod --moderator', '/pairwise jurors who:wallet');
    expect(await c.say('/as alice', '/judge')).toContain('members with a verified wallet: link one with /verify first.');
  });

  it('GIVEN jurors of a governance tier or better THEN a member of that tier judges and one below it is told their tier there, as the replay of that round gives it', async () => {
    const c = await round(['/demo']);
    const governance = (await findRound(c.db, c.chat.community.id))!;
    const levels = roundConfigOf(governance).tiers.levels.map((l) => l.name);
    const members = computeReport(await loadRoundData(c.db, governance)).members;
    const top = members.find((m) => m.tier === levels[0])!;
    const below = members.find((m) => m.tier !== levels[0])!;
    await c.say(`/pairwise jurors who:tier tier:${levels[0]} of:${governance.key}`, '/pairwise open');
    expect(await c.say(`/as ${top.handle}`, '/judge round:df1')).toContain('Which mattered more to');
    expect(await c.say(`/as ${below.handle}`, '/judge round:df1')).toContain(
      `Round df1 is judged by members of tier ${levels[0]} or better in round ${governance.key}; you are ${below.tier === null ? 'without a tier' : `in tier ${below.tier}`} there.`,
    );
  });

  it('GIVEN answers already given THEN rules that change what an answer means are refused, and others change', async () => {
    const c = await round(['/pairwise open']);
    const q = await c.say('/as alice', '/judge');
    const [, a, b] = /a:(\S+) b:(\S+) pick:equal/.exec(q)!;
    expect(await c.say(`/judge round:df1 a:${a} b:${b} pick:equal`)).toContain('Recorded:');
    expect(await c.say(`/judge round:df1 a:${a} b:${b} pick:a ratio:7`)).toContain('ratio: one of 1.5, 2, 3, 5, 10, 30, 100.');
    expect(await c.say(`/judge round:df1 a:geth b:solidity pick:a ratio:2`)).toContain('You were not asked about geth and solidity');
    await c.say('/as mod --moderator');
    expect(await c.say('/pairwise config key:ratios value:[2,4]')).toContain('would change what their answers mean');
    expect(await c.say('/pairwise config key:aggregation value:bt')).toContain('aggregation is now "bt"');
    expect(await c.say('/pairwise config key:holdoutPercent value:80')).toContain('Jurors have answered already');
    expect(await c.say('/pairwise config key:pool value:-1')).toMatch(/pool/);
    expect(await c.say('/pairwise config key:weights value:sometimes')).toContain('weights: live (shown while the round is open) or close');
  });

  it('GIVEN hidden weights and live scoring THEN members do not see the weights, the moderator does privately, and a submission is scored at once', async () => {
    const c = await round(['/pairwise config key:weights value:close', '/pairwise config key:liveScoring value:true', '/pairwise config key:holdoutPercent value:50', '/pairwise open']);
    // one juror answers every pair, so the groups connect and half of the answers are held out
    let q = await c.say('/as alice', '/judge');
    for (let k = 0; k < 8 && q.includes('pick:a'); k++) {
      const [, a, b] = /a:(\S+) b:(\S+) pick:a/.exec(q)!;
      q = await c.say(`/judge round:df1 a:${a} b:${b} pick:${k % 2 ? 'a' : 'b'} ratio:2`);
    }
    expect(await c.say('/weights')).toContain('The weights of round df1 are shown when it closes.');
    const privately = await c.say('/as mod --moderator', '/weights');
    expect(privately).toContain('(only you see this)');
    expect(privately).toContain('(Hidden from members until the round closes.)');
    const submitted = await c.say('/as carol', '/submit weights:"project,weight\nclients,0.5\ntooling,0.5\ngeth,0.4\nreth,0.3\nbesu,0.3\nsolidity,0.5\nvyper,0.5"');
    expect(submitted).toMatch(/Submission s1 is in round df1; score \d+\.\d{6} on the holdout so far, rank 1 of 1/);
    expect(await c.say('/pairwise leaderboard')).toContain('s1 (member-');
  });
});
