import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, text } from '../src/commands/reply.ts';
import { audit, opt } from '../src/commands/support.ts';
import { cardanoAddress } from '../src/chain/cardano/address.ts';
import { findRound, roundConfigOf } from '../src/db/repositories.ts';
import { formatUnits } from '../src/format/units.ts';
import { renderTable } from '../src/format/table.ts';

export default defineCommand({
  name: 'wallets',
  description: 'Your linked wallets with their balance at the snapshot; remove one',
  action: defineAction({
    description: 'List your wallets, or remove one with remove:0x… (or stake1…)',
    access: 'member',
    options: options({
      remove: z.union([opt.address.transform((a) => a.toLowerCase()), cardanoAddress], { error: 'give an address: 0x… or a Cardano stake1…/addr1…' }).optional().describe('Address of a wallet to unlink'),
    }),
    async run(ctx, o) {
      const member = await ctx.member();
      if (o.remove) {
        const wallet = await ctx.db.selectFrom('wallets').select('id').where('member_id', '=', member.id).where('address', '=', o.remove).executeTakeFirst();
        if (!wallet) throw new UserError('no_wallet', `${o.remove} is not one of your wallets; /wallets lists them.`);
        await ctx.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('balances').where('wallet_id', '=', wallet.id).execute();
          await trx.deleteFrom('wallets').where('id', '=', wallet.id).execute();
          await audit(trx, ctx, null, 'wallet.removed', { address: o.remove }, member.id);
        });
        return privateReply(text(`${o.remove} is no longer linked to you; its tokens no longer count in votes.`));
      }
      const round = await findRound(ctx.db, ctx.community.id);
      const wallets = await ctx.db
        .selectFrom('wallets')
        .leftJoin('balances', (j) => j.onRef('balances.wallet_id', '=', 'wallets.id').on('balances.round_id', '=', round?.id ?? ''))
        .select(['wallets.address', 'wallets.chain', 'wallets.verification', 'balances.balance'])
        .where('wallets.member_id', '=', member.id)
        .orderBy('wallets.address')
        .execute();
      if (wallets.length === 0) return privateReply(text('You have no linked wallet yet: /verify links one.'));
      const token = round ? roundConfigOf(round).token : undefined;
      const at = round ? (round.snapshot_block ? `block ${round.snapshot_block}` : 'no snapshot yet') : 'no round yet';
      return privateReply(
        text(`Your wallets; balances at the snapshot of round ${round?.key ?? '–'} (${at}):`),
        pre(renderTable({
          head: ['address', 'chain', 'linked by', token?.symbol ?? 'tokens'],
          align: ['left', 'left', 'left', 'right'],
          rows: wallets.map((w) => [w.address, w.chain, w.verification, w.balance === null || !token ? '–' : formatUnits(BigInt(w.balance), token.decimals)]),
        })),
      );
    },
  }),
});
