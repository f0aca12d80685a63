import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardanoReader } from '../../src/chain/cardano/koios.ts';
import { linkWallet } from '../../src/chain/wallets.ts';
import { convertUnits, LossyConversionError } from '../../src/chain/units.ts';
import { fakeKoios } from '../fakes/koios.ts';
import { cardanoWallet, signData } from '../helpers/cardano.ts';
import { consoleHarness } from '../helpers/console.ts';
import { messageIn } from '../helpers/linking.ts';

const POLICY = 'f43a62fdc3965df486de8a0d32fe800963589c41b38946602a0dc535';
const AGIX = `${POLICY}${Buffer.from('AGIX').toString('hex')}`;
const OTHER = `${POLICY}${Buffer.from('OTHER').toString('hex')}`;

let koios: Awaited<ReturnType<typeof fakeKoios>>;
beforeAll(async () => (koios = await fakeKoios()));
afterAll(() => koios.close());

/** A round r1 whose token is AGIX on Cardano too, and Alice linked by her stake key through chat. */
async function roundWithAlice(retry = { attempts: 1, firstDelayMs: 1 }) {
  const h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org', cardano: new CardanoReader(koios.url, retry) });
  const alice = cardanoWallet();
  const proof = signData(alice.stake, alice.stakeAddress, messageIn(await h.say('/as alice', `/verify chain:cardano address:${alice.stakeAddress}`)));
  expect(await h.say(`/verify signature:${proof.signature} key:${proof.key}`)).toContain('is linked to you');
  await h.say('/as mod --moderator', '/round create id:r1 name:R');
  return { h, alice };
}

describe('Cardano balances at the snapshot, from a Koios-compatible API', () => {
  it('GIVEN a wallet linked by its stake key with AGIX on two of its addresses, and one linked by its payment key THEN the snapshot counts every address of the first once, the second\'s own address only, in the round token\'s base unit, at the tip it read', async () => {
    const { h, alice } = await roundWithAlice();
    const bob = cardanoWallet();
    koios.hold(alice.base, AGIX, 400_00000000n);
    koios.hold(alice.another(), AGIX, 100_00000000n);
    koios.hold(alice.base, OTHER, 999n);
    koios.hold(bob.base, AGIX, 7_50000000n);
    // Another address on Bob's stake key: not his to count, since only his payment key signed.
    koios.hold(bob.another(), AGIX, 1_000_00000000n);
    const bobMember = await h.db.selectFrom('members').select(['id', 'community_id']).where('handle', '=', 'mod').executeTakeFirstOrThrow();
    await linkWallet(h.db, { communityId: bobMember.community_id, memberId: bobMember.id, address: bob.base, verification: 'cip8' }, 'cip34:1-764824073', new Date());

    expect(await h.say(`/round token chain:cardano policy:${POLICY} asset:${Buffer.from('AGIX').toString('hex')} decimals:8`)).toContain('also counts AGIX on cip34:1-764824073');
    const snapshot = await h.say('/round snapshot');
    expect(snapshot).toContain(`Snapshot of round r1 on cip34:1-764824073 at slot ${koios.tip.abs_slot} (block ${koios.tip.block_height}): 2 verified wallets hold 507.5 AGIX. Read in `);
    // The chat is shown how far the reading has come while it reads.
    expect(snapshot.split('\n').filter((l) => l.startsWith('… '))).toEqual(['… Reading balances on cip34:1-764824073… 0 / 2', '… Reading balances on cip34:1-764824073… 2 / 2']);
    const balances = await h.db.selectFrom('balances').innerJoin('wallets', 'wallets.id', 'balances.wallet_id').select(['wallets.address', 'balances.balance']).execute();
    expect(balances.sort((a, b) => a.balance.length - b.balance.length)).toEqual([
      { address: bob.base, balance: (7_50000000n * 10n ** 10n).toString() },
      { address: alice.stakeAddress, balance: (500n * 10n ** 18n).toString() },
    ]);
    const audit = await h.db.selectFrom('audit_log').select('detail').where('action', '=', 'snapshot.taken').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.detail)).toMatchObject({ chain: 'cip34:1-764824073', slot: koios.tip.abs_slot, cardanoBlock: koios.tip.block_height, wallets: 2, total: (50750000000n * 10n ** 10n).toString() });
    expect(await h.say('/as alice', '/wallets')).toMatch(new RegExp(`${alice.stakeAddress}\\s+cip34:1-764824073\\s+cip8\\s+500`));
    expect(koios.requests.filter((r) => r.path === '/account_assets')).toEqual([{ path: '/account_assets', body: { _stake_addresses: [alice.stakeAddress] } }]);
    // The receipt names each wallet counted with its chain.
    await h.say('/as mod --moderator', '/poll open question:"Q?" options:"A|B"');
    expect(await h.say('/as alice', '/vote poll:q1 option:1')).toContain(`tokens at snapshot  500 AGIX\n  cip34:1-764824073 ${alice.stakeAddress.slice(0, 10)}…${alice.stakeAddress.slice(-6)}  500\n`);
    await h.close();
  });

  it('GIVEN the round token has fewer decimals than the Cardano asset THEN a balance that would lose digits is refused by name and nothing is stored; whole amounts convert', async () => {
    expect(convertUnits(12_300n, 8, 6)).toBe(123n);
    expect(convertUnits(5n, 0, 18)).toBe(5n * 10n ** 18n);
    expect(() => convertUnits(12_345n, 8, 6)).toThrow(LossyConversionError);
    const { h, alice } = await roundWithAlice();
    koios.hold(alice.base, AGIX, 12_345n);
    await h.say('/round config key:token.decimals value:6');
    await h.say(`/round token chain:cardano policy:${POLICY} asset:${Buffer.from('AGIX').toString('hex')} decimals:8`);
    expect(await h.say('/round snapshot')).toContain(`${alice.stakeAddress}: 12345 base units with 8 decimals cannot be written with 6 decimals without losing its last 2 digits; nothing was changed`);
    expect(await h.db.selectFrom('balances').selectAll().execute()).toEqual([]);
    await h.close();
  });

  it('GIVEN a block lands while the balances are read THEN the snapshot reads again at the new tip; a chain that never stands still gets no snapshot', async () => {
    const { h } = await roundWithAlice();
    await h.say(`/round token chain:cardano policy:${POLICY} asset: decimals:0`);
    koios.moveTip(1);
    const before = koios.tip.abs_slot;
    expect(await h.say('/round snapshot')).toContain('Snapshot of round r1');
    koios.moveTip(Infinity);
    expect(await h.say('/round snapshot')).toContain('the Cardano chain moved on while its balances were read');
    expect(koios.tip.abs_slot).toBeGreaterThan(before);
    koios.moveTip(0);
    await h.close();
  });

  it('GIVEN no CARDANO_API_URL THEN /round snapshot says so; a Cardano API that fails names itself and stores nothing', async () => {
    const h = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org' });
    await h.say('/as mod --moderator', '/round create id:r1 name:R', `/round token chain:cardano policy:${POLICY} asset: decimals:0`);
    expect(await h.say('/round snapshot')).toContain('The bot reads no Cardano API (CARDANO_API_URL)');
    expect(await h.say('/round token chain:cardano decimals:0')).toContain('a Cardano token needs policy:');
    await h.close();
    const down = await consoleHarness('2025-01-01T00:00:00Z', ':memory:', { publicUrl: 'https://govbot.example.org', cardano: new CardanoReader('http://127.0.0.1:9/api/v1', { attempts: 2, firstDelayMs: 1 }) });
    await down.say('/as mod --moderator', '/round create id:r1 name:R', `/round token chain:cardano policy:${POLICY} asset: decimals:0`);
    expect(await down.say('/round snapshot')).toContain('the Cardano API at http://127.0.0.1:9/api/v1 did not answer');
    await down.close();
  });

  it('GIVEN Cardano balances the API cannot give at a past point THEN /round balances chain:cardano imports them in the asset\'s decimals, converted exactly; bad and lossy lines are named and nothing is imported', async () => {
    const { h, alice } = await roundWithAlice();
    expect(await h.say(`/round balances chain:cardano csv:"${alice.stakeAddress},1"`)).toContain('has no Cardano token yet');
    await h.say(`/round token chain:cardano policy:${POLICY} asset: decimals:8`);
    const stranger = cardanoWallet().stakeAddress;
    expect(await h.say(`/round balances chain:cardano csv:"address,balance\n${alice.stakeAddress},12.5\n${stranger},3"`)).toContain(`Imported 1 balances into round r1 (skipped the header on line 1).\nNot linked by any member, so skipped: ${stranger}`);
    expect(await h.db.selectFrom('balances').select('balance').execute()).toEqual([{ balance: (125n * 10n ** 17n).toString() }]);
    expect(await h.say(`/round balances chain:cardano csv:"0x${'1'.repeat(40)},3"`)).toContain('line 1: "0x1111111111111111111111111111111111111111" is not a Cardano address');
    await h.say('/round config key:token.decimals value:6');
    expect(await h.say(`/round balances chain:cardano csv:"${alice.stakeAddress},123456789"`)).toContain('line 1: 123456789 base units with 8 decimals cannot be written with 6 decimals without losing its last 2 digits');
    expect(await h.db.selectFrom('balances').select('balance').execute()).toEqual([{ balance: (125n * 10n ** 17n).toString() }]);
    await h.close();
  });
});
