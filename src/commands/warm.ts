import { chartThread } from '../charts/attachments.ts';
import { textWidth } from '../charts/fonts.ts';
import { roundConfigSchema } from '../core/config.ts';
import { startStandingsThread } from '../db/standings.ts';
import { actionsOf, type Command } from './framework.ts';

/**
 * What the bot's first command would otherwise do on its event loop, done while the bot starts, before it says it is
 * ready (issue 13: the first command after a start held the loop 56-93 ms): the standings and chart threads started
 * and their scripts loaded, every command's option schema compiled (zod builds an object's parser on its first
 * parse), and the chart fonts' widths read (a tally's chart is laid out here, measured in those fonts).
 */
export async function warmUp(commands: readonly Command[]): Promise<void> {
  const threads = Promise.all([startStandingsThread(), chartThread.start()]);
  // an empty set of options compiles a schema as a real one does; what it says of them is not looked at
  for (const schema of [roundConfigSchema, ...commands.flatMap(actionsOf).map((a) => a.options)]) schema.safeParse({});
  for (const weight of ['normal', 'bold'] as const) textWidth('0', 11, weight);
  await threads;
}
