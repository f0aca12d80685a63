import type { Attachment } from '../commands/reply.ts';
import type { RoundReport } from '../core/report.ts';
import type { QuestionTally } from '../core/voting.ts';
import { renderChart } from './render.ts';
import { rewardsSpec, tallySpec } from './specs.ts';

/** The PNG of a poll's three views, to post with its tally. */
export async function tallyChart(report: RoundReport, q: QuestionTally): Promise<Attachment> {
  const { png } = await renderChart(tallySpec(q));
  return { name: `${report.round}-${q.id}.png`, contentType: 'image/png', content: png };
}

/** The PNG of the reward split by member and tier; chats show handles, as their tables do. */
export async function rewardsChart(report: RoundReport): Promise<Attachment> {
  const handles = new Map(report.members.map((m) => [m.id, m.handle]));
  const { png } = await renderChart(rewardsSpec(report, (key) => handles.get(key) ?? key));
  return { name: `${report.round}-rewards.png`, contentType: 'image/png', content: png };
}
