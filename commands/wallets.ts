import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, text } from '../src/commands/reply.ts';
import { audit } from '../src/commands/support.ts';
import { choosePayout, payoutChoices, payoutWalletFor, walletAddress } from '../src/chain/wallets.ts';
import { findRound, roundConfigOf } from '../src/db/repositories.ts';
import { formatUnits } from '../src/format/units.ts';
import { renderTable } from '../src/format/table.ts';
import { payoutTarget } from '../src/results/payout.ts';

export default defineCommand({
  name: 'wallets',
  description: 'Your linked wallets with their balance at the snapshot; choose where rewards go; remove one',
  action: defineAction({
    description: 'List your wallets; payout:ADDRESS chooses the one rewards are paid to (auto: where most tokens are); remove:ADDRESS unlinks one',
    access: 'member',
    options: options({
      remove: walletAddress.optional().describe('Address of a wallet to unlink'),
      payout: z
        .union([z.literal('auto'), walletAddress], { error: 'give an address of yours (0x…, addr1…), or auto' })
        .optional()
        .describe('Address to be paid rewards at (0x…, or addr1… of a Cardano wallet), or auto'),
    }).refine((o) => !(o.remove && o.payout), 'give remove: or payout:, not both'),
    async run(ctx, o) {
      const member = await ctx.member();
      if (o.remove) {
        const wallet = await ctx.db.selectFrom('wallets').select('id').where('member_id', '=', member.id).where('address', '=', o.remove).executeTakeFirst();
        if (!wallet) throw new UserError('no_wallet', `${o.remove} is not one of your wallets; /wallets lists them.`);
        await ctx.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('balances').where('wallet_id', '=', wallet.id).execute();
          await trx.deleteFrom('payout_wallets').where('wallet_id', '=', wallet.id).execute();
          await trx.deleteFrom('wallets').where('id', '=', wallet.id).execute();
          await audit(trx, ctx, null, 'wallet.removed', { address: o.remove }, member.id);
        });
        return privateReply(text(`${o.remove} is no longer linked to you; its tokens no longer count in votes.`));
      }
      const round = await findRound(ctx.db, ctx.community.id);
      const wallets = await ctx.db
        .selectFrom('wallets')
        .leftJoin('balances', (j) => j.onRef('balances.wallet_id', '=', 'wallets.id').on('balances.round_id', '=', round?.id ?? ''))
        .select(['wallets.id', 'wallets.address', 'wallets.chain', 'wallets.verification', 'balances.balance'])
        .where('wallets.member_id', '=', member.id)
        .orderBy('wallets.chain')
        .orderBy('wallets.address')
        .execute();
      if (o.payout === 'auto') {
        await ctx.db.transaction().execute(async (trx) => {
          await trx.deleteFrom('payout_wallets').where('member_id', '=', member.id).execute();
          await audit(trx, ctx, null, 'wallet.payout', { auto: true }, member.id);
        });
        return privateReply(text('Your rewards go to the wallet where most of your tokens are; /wallets shows which.'));
      }
      if (o.payout) {
        const chosen = payoutWalletFor(wallets, o.payout);
        if ('problem' in chosen) throw new UserError('no_wallet', `payout: ${chosen.problem}`);
        await ctx.db.transaction().execute((trx) => choosePayout(trx, member, chosen.wallet, chosen.address, ctx.now()));
        return privateReply(text(`Your rewards will be paid to ${chosen.address} on ${chosen.wallet.chain}.`));
      }
      if (wallets.length === 0) return privateReply(text('You have no linked wallet yet: /verify links one.'));
      const token = round ? roundConfigOf(round).token : undefined;
      const at = round ? (round.snapshot_block ? `block ${round.snapshot_block}` : 'no snapshot yet') : 'no round yet';
      const paidAt = token && payoutTarget({ wallets: wallets.map((w) => ({ ...w, balance: BigInt(w.balance ?? 0) })) }, token, (await payoutChoices(ctx.db, ctx.community.id)).get(member.key));
      return privateReply(
        text(`Your wallets; balances at the snapshot of round ${round?.key ?? '–'} (${at}):`),
        pre(renderTable({
          head: ['address', 'chain', 'linked by', token?.symbol ?? 'tokens'],
          align: ['left', 'left', 'left', 'right'],
          rows: wallets.map((w) => [w.address, w.chain, w.verification, w.balance === null || !token ? '–' : formatUnits(BigInt(w.balance), token.decimals)]),
        })),
        ...(paidAt ? [text('unpaid' in paidAt ? `Rewards cannot be paid to you yet: ${paidAt.unpaid}.` : `Rewards are paid to ${paidAt.address} on ${paidAt.chain} (/wallets payout:… to choose another).`)] : []),
      );
    },
  }),
});
