import { z } from 'zod';
import { addressProblem } from '../src/chain/address.ts';
import { cardanoAddressProblem, cardanoMessageFor } from '../src/chain/cardano/challenge.ts';
import { LinkRefused, messageFor, openChallenge, pendingChallenge } from '../src/chain/siwe.ts';
import { cardanoSiteFor, completeCardanoLink, completeLink, siteFor, WalletHeldError } from '../src/chain/wallets.ts';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { UserError } from '../src/commands/errors.ts';
import { pre, privateReply, secretReply, text } from '../src/commands/reply.ts';

/** Cardano addresses are bech32 with these prefixes; anything else is taken for an Ethereum address. */
const CARDANO_PREFIX = /^(addr|stake)(_test)?1/;
const EVM_SIGNATURE = /^0x[0-9a-fA-F]{130,}$/;

/** The chain a /verify means: as named, else Cardano for a Cardano address or a signature with its key. */
const chainOf = (o: { chain?: 'ethereum' | 'cardano' | undefined; address?: string | undefined; key?: string | undefined }) =>
  o.chain ?? (o.key || (o.address && CARDANO_PREFIX.test(o.address)) ? 'cardano' : 'ethereum');

export default defineCommand({
  name: 'verify',
  description: 'Link your wallet by signing a message (Ethereum: Sign-In with Ethereum; Cardano: CIP-8)',
  action: defineAction({
    description: 'Link a wallet: a one-time link to the wallet page, or the message to sign with any tool',
    access: 'member',
    options: options({
      chain: z.enum(['ethereum', 'cardano'], { error: 'chain is ethereum or cardano' }).optional().describe('ethereum (default) or cardano; an address tells it too'),
      address: z.string().trim().min(1).max(200).optional().describe('Your address (0x… or addr1…/stake1…), to get the message to sign yourself'),
      signature: z.string().trim().max(8000).regex(/^(0x)?[0-9a-fA-F]+$/, 'a signature is hex').optional().describe('The signature of that message (Cardano: the COSE_Sign1 hex)'),
      key: z.string().trim().max(400).regex(/^[0-9a-fA-F]+$/, 'a key is hex').optional().describe('Cardano only: the COSE_Key hex your wallet gave with the signature'),
    })
      .superRefine((o, issue) => {
        if (o.address && chainOf(o) === 'ethereum' && addressProblem(o.address)) issue.addIssue({ code: 'custom', path: ['address'], message: addressProblem(o.address)! });
        if (o.address && o.chain === 'ethereum' && CARDANO_PREFIX.test(o.address)) issue.addIssue({ code: 'custom', path: ['address'], message: 'that is a Cardano address: use chain:cardano' });
        if (o.signature && !o.key && !EVM_SIGNATURE.test(o.signature))
          issue.addIssue({ code: 'custom', path: ['signature'], message: 'an Ethereum signature is 0x followed by at least 130 hex digits; a Cardano one comes with its key:' });
        if (o.key && !o.signature) issue.addIssue({ code: 'custom', path: ['key'], message: 'give the signature with it' });
      }),
    async run(ctx, given) {
      const o = { ...given, chain: chainOf(given) };
      if (!ctx.publicUrl) throw new UserError('no_web', 'Wallet linking needs the bot\'s web address (PUBLIC_URL); ask the operator to set it.');
      if (o.address && o.signature) throw new UserError('invalid_options', `Give the address first (/verify address:${o.chain === 'cardano' ? 'addr1' : '0x'}…), then the signature (/verify signature:…).`);
      const member = await ctx.member();
      const refusedAsUserError = (error: unknown) => (error instanceof LinkRefused || error instanceof WalletHeldError ? new UserError('link_refused', error.message) : error);
      if (o.signature) {
        const token = await pendingChallenge(ctx.db, member, ctx.now());
        if (!token) throw new UserError('link_refused', `There is no message waiting for a signature: start with /verify address:${o.key ? 'addr1' : '0x'}…`);
        try {
          if (o.key) {
            const wallet = await completeCardanoLink(ctx.db, token, { signature: o.signature, key: o.key }, cardanoSiteFor(ctx.publicUrl), ctx.now());
            return privateReply(text(`Cardano wallet ${wallet.address} is linked to you. /wallets lists your wallets.`));
          }
          const wallet = await completeLink(ctx.db, token, o.signature, await siteFor(ctx.db, ctx.community.id, ctx.publicUrl), ctx.now(), ctx.chain?.provider);
          return privateReply(text(`Wallet ${wallet.address} is linked to you${wallet.verification === 'eip1271' ? ' (a contract wallet, checked on chain)' : ''}. /wallets lists your wallets.`));
        } catch (error) {
          throw refusedAsUserError(error);
        }
      }
      if (o.address && o.chain === 'cardano') {
        const problem = cardanoAddressProblem(o.address, cardanoSiteFor(ctx.publicUrl));
        if (problem) throw new UserError('invalid_options', `address: ${problem}`);
      }
      const { token, expiresAt } = await openChallenge(ctx.db, ctx.community, member, ctx.now());
      const minutes = Math.round((expiresAt.getTime() - ctx.now().getTime()) / 60_000);
      // The link is a secret: whoever opens it links their wallet to this member (and so receives their rewards).
      if (!o.address)
        return secretReply(
          text(`Open this link to link your wallet (it works once, for ${minutes} minutes): ${ctx.publicUrl}/verify/${token}${o.chain === 'cardano' ? '?chain=cardano' : ''}`),
          text(`No wallet in your browser? Use /verify address:${o.chain === 'cardano' ? 'addr1' : '0x'}… to get the message to sign with any tool.`),
        );
      if (o.chain === 'cardano') {
        const message = await cardanoMessageFor(ctx.db, token, o.address, cardanoSiteFor(ctx.publicUrl), ctx.now()).catch((error: unknown) => {
          throw refusedAsUserError(error);
        });
        return privateReply(
          text(`Sign exactly this message with the wallet of ${o.address} (CIP-8, as CIP-30 signData does; sign with its stake key to link every address of the wallet), within ${minutes} minutes:`),
          pre(message),
          text('Then send /verify signature:… key:… with the COSE_Sign1 and the COSE_Key your wallet gives, in hex.'),
        );
      }
      const message = await messageFor(ctx.db, token, o.address, await siteFor(ctx.db, ctx.community.id, ctx.publicUrl), ctx.now());
      return privateReply(
        text(`Sign exactly this message with the wallet of ${o.address} (personal_sign, EIP-191), within ${minutes} minutes:`),
        pre(message),
        text('Then send /verify signature:0x… with the signature.'),
      );
    },
  }),
});
