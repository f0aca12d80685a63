import { afterEach, describe, expect, it } from 'vitest';
import { discordHarness } from '../../helpers/discord.ts';
import { CARDANO_MAINNET, countsOf, slowCardano } from '../../helpers/snapshot.ts';

const WALLETS = 2000;
let h: Awaited<ReturnType<typeof discordHarness>> | undefined;
let cardano: Awaited<ReturnType<typeof slowCardano>> | undefined;
afterEach(async () => {
  await h?.close();
  await cardano?.close();
  h = cardano = undefined;
});

/** A server whose moderator has 2,000 verified Cardano wallets, read through an API that takes 60 ms a batch of 50. */
async function serverWithManyWallets() {
  cardano = await slowCardano(60);
  h = await discordHarness({ env: { CARDANO_API_URL: cardano.url } });
  expect((await h.run(h.moderator, '/round create id:r1 name:R')).text).toContain('Round r1');
  await cardano.setToken(h.databaseUrl, 'r1');
  await cardano.linkWallets(h.databaseUrl, 'mod', WALLETS);
  return h;
}

const SNAPSHOT_ANSWER = new RegExp(`^Snapshot of round r1 on ${CARDANO_MAINNET} at slot \\d+ \\(block \\d+\\): ${WALLETS} verified wallets hold 600 AGIX\\. Read in \\d+\\.\\d s\\.$`);

describe('/round snapshot progress on Discord', () => {
  it('GIVEN 2,000 verified wallets on a slow Cardano API THEN the deferred response shows the status, edited at most once a second with rising counts, and the public answer takes its place', async () => {
    const { fake, moderator, run, errors, log } = await serverWithManyWallets();
    const { interaction, messages } = await run(moderator, '/round snapshot');

    // Deferred at the first status line, before the 3 s deadline, privately: only the moderator sees the progress.
    expect(interaction.responses.map((r) => r.type)).toEqual([5]);
    const edits = fake.edits.filter((e) => e.id === interaction.original);
    const counts = countsOf(edits.map((e) => e.content));
    expect(edits[0]!.content).toBe(`Reading balances on ${CARDANO_MAINNET}… 0 / 2,000`);
    expect(counts.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThan(counts[i - 1]!);
    for (let i = 1; i < edits.length; i++) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(990);
    // The answer is public: the private status is deleted and the answer follows up in the channel, after the last edit.
    expect(fake.messages.get(interaction.original!)!.deleted).toBe(true);
    const shown = messages.filter((m) => !m.deleted);
    expect(shown.map((m) => fake.textOf(m))).toEqual([expect.stringMatching(SNAPSHOT_ANSWER)]);
    expect(errors).toEqual([]);
    // (The harness's own autocomplete probe, sent while the snapshot holds the server's queue, is refused late: not ours.)
    expect(log.lines.filter((l) => l.level === 'warn' && l.msg.includes('status message'))).toEqual([]);
  });

  it('GIVEN the interaction token expires while the balances are read THEN the refused edit (50027) is one warning and the answer is posted in the channel instead', async () => {
    const { fake, moderator, run, errors, log } = await serverWithManyWallets();
    // Discord's 15 minutes, shortened: the first status line gets in, the next ones find the token dead.
    fake.tokenLifetimeMs = 500;
    const { interaction } = await run(moderator, '/round snapshot');

    const statusWarnings = log.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('could not edit a status message'));
    expect(statusWarnings.map((l) => String(l['error']))).toEqual([expect.stringMatching(/^401 Invalid Webhook Token \(code 50027, PATCH \/api\/v10\/webhooks\/\d+\/[^/]+\/messages\/%40original\)$/)]);
    expect(fake.edits.filter((e) => e.id === interaction.original)).toHaveLength(1);
    expect(fake.inChannel(fake.channelId).map((m) => fake.textOf(m)).at(-1)).toMatch(SNAPSHOT_ANSWER);
    expect(errors).toEqual([]);
  });
});

describe('the fake Discord refuses edits as Discord does', () => {
  it('GIVEN an edit of an unknown message, of a member\'s message, through an unknown or expired interaction token THEN 10008, 50005, 10015 and 50027', async () => {
    h = await discordHarness();
    const { fake, moderator } = h;
    const rest = (method: string, path: string, body: unknown = { content: 'x' }) =>
      fetch(`${fake.url}/api/v10${path}`, { method, headers: { authorization: `Bot ${fake.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => [r.status, ((await r.json()) as { code: number }).code]);

    expect(await rest('PATCH', `/channels/${fake.channelId}/messages/${fake.snowflake()}`)).toEqual([404, 10008]);
    const theirs = await fake.post(fake.member('2', 'alice'), fake.channelId, 'hello');
    expect(await rest('PATCH', `/channels/${fake.channelId}/messages/${theirs}`)).toEqual([403, 50005]);
    expect(await rest('PATCH', `/webhooks/${fake.appId}/no-such-token/messages/@original`)).toEqual([404, 10015]);
    const { interaction } = await h.run(moderator, '/help');
    expect(await rest('PATCH', `/webhooks/${fake.appId}/${interaction.token}/messages/@original`, { content: 'still here' })).toEqual([200, undefined]);
    fake.tokenLifetimeMs = 0;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await rest('PATCH', `/webhooks/${fake.appId}/${interaction.token}/messages/@original`)).toEqual([401, 50027]);
  });
});
