import { z } from 'zod';
import { LinkRefused, messageFor, openChallenge, pendingChallenge } from '../src/chain/siwe.ts';
import { completeLink, siteFor, WalletHeldError } from '../src/chain/wallets.ts';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, secretReply, text } from '../src/commands/reply.ts';
import { opt } from '../src/commands/support.ts';

export default defineCommand({
  name: 'verify',
  description: 'Link your wallet by signing a message (Sign-In with Ethereum)',
  action: defineAction({
    description: 'Link a wallet: a one-time link to the wallet page, or the message to sign with any tool',
    access: 'member',
    options: options({
      address: opt.address.optional().describe('Your address, to get the message to sign yourself'),
      signature: z.string().regex(/^0x[0-9a-fA-F]{130,}$/, 'a signature is 0x followed by at least 130 hex digits').optional().describe('The signature of that message'),
    }),
    async run(ctx, o) {
      if (!ctx.publicUrl) throw new UserError('no_web', 'Wallet linking needs the bot\'s web address (PUBLIC_URL); ask the operator to set it.');
      if (o.address && o.signature) throw new UserError('invalid_options', 'Give the address first (/verify address:0x…), then the signature (/verify signature:0x…).');
      const member = await ctx.member();
      const site = await siteFor(ctx.db, ctx.community.id, ctx.publicUrl);
      if (o.signature) {
        const token = await pendingChallenge(ctx.db, member, ctx.now());
        if (!token) throw new UserError('link_refused', 'There is no message waiting for a signature: start with /verify address:0x…');
        try {
          const wallet = await completeLink(ctx.db, token, o.signature, site, ctx.now(), ctx.chain?.provider);
          return privateReply(text(`Wallet ${wallet.address} is linked to you${wallet.verification === 'eip1271' ? ' (a contract wallet, checked on chain)' : ''}. /wallets lists your wallets.`));
        } catch (error) {
          if (error instanceof LinkRefused || error instanceof WalletHeldError) throw new UserError('link_refused', error.message);
          throw error;
        }
      }
      const { token, expiresAt } = await openChallenge(ctx.db, ctx.community, member, ctx.now());
      const minutes = Math.round((expiresAt.getTime() - ctx.now().getTime()) / 60_000);
      // The link is a secret: whoever opens it links their wallet to this member (and so receives their rewards).
      if (!o.address)
        return secretReply(
          text(`Open this link to link your wallet (it works once, for ${minutes} minutes): ${ctx.publicUrl}/verify/${token}`),
          text('No wallet in your browser? Use /verify address:0x… to get the message to sign with any tool.'),
        );
      const message = await messageFor(ctx.db, token, o.address, site, ctx.now());
      return privateReply(
        text(`Sign exactly this message with the wallet of ${o.address} (personal_sign, EIP-191), within ${minutes} minutes:`),
        pre(message),
        text('Then send /verify signature:0x… with the signature.'),
      );
    },
  }),
});
