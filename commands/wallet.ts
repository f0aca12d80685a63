import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { reply, text } from '../src/commands/reply.ts';
import { audit, enroll, newId, opt, resolveMember, resolveRound } from '../src/commands/support.ts';
import { roundConfigOf } from '../src/db/repositories.ts';
import { formatUnits, parseUnits } from '../src/format/units.ts';
import { walletAddress } from '../src/chain/wallets.ts';

export default defineCommand({
  name: 'wallet',
  description: 'Moderators: reassign a wallet, or add an unverified one for testing',
  subcommands: {
    reassign: defineAction({
      description: 'Move a linked wallet to another member (logged), e.g. when its owner signed from a new account',
      access: 'moderator',
      options: options({
        address: walletAddress.describe('0x… address, or a Cardano stake1…/addr1… one'),
        member: opt.member,
      }),
      async run(ctx, o) {
        const target = await resolveMember(ctx, o.member);
        const wallet = await ctx.db.selectFrom('wallets').innerJoin('members', 'members.id', 'wallets.member_id').select(['wallets.id', 'wallets.chain', 'members.key as from']).where('wallets.community_id', '=', ctx.community.id).where('wallets.address', '=', o.address).executeTakeFirst();
        if (!wallet) throw new UserError('no_wallet', `No member has linked ${o.address}.`);
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          await trx.updateTable('wallets').set({ member_id: target.id }).where('id', '=', wallet.id).execute();
          // Its old owner's rewards no longer go there.
          await trx.deleteFrom('payout_wallets').where('wallet_id', '=', wallet.id).execute();
          await audit(trx, ctx, null, 'wallet.reassigned', { address: o.address, chain: wallet.chain, from: wallet.from, to: target.key }, moderator.id);
        });
        return reply(text(`${o.address} (${wallet.chain}) now belongs to ${target.handle}.`));
      },
    }),

    add: defineAction({
      description: 'Link an UNVERIFIED wallet with its snapshot balance to a member (testing only)',
      access: 'moderator',
      options: options({
        member: opt.member,
        address: opt.address.transform((a) => a.toLowerCase()).describe('0x… address'),
        tokens: z.string().regex(/^[\d,_]+(\.\d+)?$/, 'tokens is an amount of whole tokens, such as 1250.5').describe('Balance at the snapshot, in whole tokens'),
        unverified: z.literal([true, 'true'], { error: 'this links a wallet without a signature; say unverified:true to confirm it is for testing' }).describe('Must be true: no signature is checked'),
        round: opt.round,
      }),
      async run(ctx, o) {
        const round = await resolveRound(ctx, o.round);
        const { token } = roundConfigOf(round);
        const balance = parseUnits(o.tokens, token.decimals);
        if (balance === null) throw new UserError('invalid_options', `tokens: ${token.symbol} has ${token.decimals} decimals; ${o.tokens} has more.`);
        const target = await resolveMember(ctx, o.member);
        const moderator = await ctx.member();
        await ctx.db.transaction().execute(async (trx) => {
          const existing = await trx.selectFrom('wallets').select(['id', 'member_id']).where('community_id', '=', ctx.community.id).where('chain', '=', 'eip155:1').where('address', '=', o.address).executeTakeFirst();
          if (existing && existing.member_id !== target.id) throw new UserError('wallet_taken', `${o.address} already belongs to another member.`);
          const walletId = existing?.id ?? newId();
          if (!existing)
            await trx.insertInto('wallets').values({ id: walletId, community_id: ctx.community.id, member_id: target.id, chain: 'eip155:1', address: o.address, verification: 'unverified', verified_at: ctx.now().toISOString() }).execute();
          await trx
            .insertInto('balances')
            .values({ round_id: round.id, wallet_id: walletId, balance: balance.toString() })
            .onConflict((oc) => oc.columns(['round_id', 'wallet_id']).doUpdateSet({ balance: balance.toString() }))
            .execute();
          await enroll(trx, round, target, ctx.now());
          await audit(trx, ctx, round, 'wallet.added_unverified', { member: target.key, address: o.address, balance: balance.toString() }, moderator.id);
        });
        return reply(text(`UNVERIFIED wallet ${o.address} linked to ${target.handle} with ${formatUnits(balance, token.decimals)} ${token.symbol} at the snapshot of round ${round.key}.`));
      },
    }),
  },
});
