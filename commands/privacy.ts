import { z } from 'zod';
import { defineAction, defineCommand, options } from '../src/commands/framework.ts';
import { privateReply, text } from '../src/commands/reply.ts';
import { audit } from '../src/commands/support.ts';

export default defineCommand({
  name: 'privacy',
  description: 'Choose whether the public results page shows your handle or a pseudonym',
  action: defineAction({
    description: 'Show your handle on the public results page, or hide it behind a pseudonym',
    access: 'member',
    options: options({ handle: z.enum(['shown', 'hidden'], { error: 'handle is shown or hidden' }).describe('shown or hidden (the default)') }),
    async run(ctx, o) {
      const member = await ctx.member();
      await ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable('members').set({ public_handle: o.handle === 'shown' ? 1 : 0 }).where('id', '=', member.id).execute();
        await audit(trx, ctx, null, 'member.privacy', { member: member.key, handle: o.handle }, member.id);
      });
      return privateReply(
        text(o.handle === 'shown' ? `The public results pages now show you as ${member.handle}.` : 'The public results pages now show you under a pseudonym.'),
      );
    },
  }),
});
