// A juror's taps through the Telegram adapter against the fake Bot API, on a pairwise round of 100 projects that
// already holds 3,000 comparisons: the time from the tap that answers to the next question in the juror's direct
// messages. `npm run bench -- judge`; BENCH_PROJECTS and BENCH_COMPARISONS change the round's size.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { newId } from '../src/db/repositories.ts';
import { openDatabase } from '../src/db/database.ts';
import type { FakeUser, SentMessage } from '../test/fakes/telegram.ts';
import { GROUP, telegramHarness } from '../test/helpers/telegram.ts';
import { p } from './commands.ts';

const RATIOS = [1.5, 2, 3, 5, 10, 30, 100];
/** Answers timed: half with a winner and a ratio (two taps), half about equal (one tap). */
const ANSWERS = 200;
const JURORS = 20;

/** A small seeded generator (mulberry32), so every run judges the same round. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function judgeFigures(out: string) {
  const projects = Number(process.env['BENCH_PROJECTS'] ?? 100);
  const comparisons = Number(process.env['BENCH_COMPARISONS'] ?? 3000);
  const path = join(out, 'judge.sqlite');
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const t = await telegramHarness({ databaseUrl: `file:${path}` });
  const { fake } = t;
  try {
    // The round set up as a moderator would, in the group.
    const list = ['name,url,parent', ...Array.from({ length: projects }, (_, i) => `project-${i},https://example.org/p${i},`)].join('\n');
    await t.say(t.moderator, '/pairwise create id:df1 name:Bench root:Ethereum');
    await t.after(() => fake.sendFile(GROUP, t.moderator, { file_name: 'projects.csv', mime_type: 'text/csv', content: list }, '/pairwise projects'));
    await t.say(t.moderator, `/pairwise config key:wanted value:${comparisons * 10}`);
    await t.say(t.moderator, '/pairwise open');

    // Earlier jurors' comparisons, as if they had judged: a ring (every project connected), then random pairs,
    // answered from a log-normal world.
    const db = await openDatabase(`file:${path}`);
    const round = await db.selectFrom('pairwise_rounds').select(['id', 'community_id']).executeTakeFirstOrThrow();
    const next = random(7);
    const logit = Array.from({ length: projects }, () => 1.5 * Math.sqrt(-2 * Math.log(next() || 1e-9)) * Math.cos(2 * Math.PI * next()));
    const jurors = Array.from({ length: JURORS }, (_, j) => ({ id: newId(), community_id: round.community_id, key: `bench-juror-${j}`, handle: `juror${j}`, created_at: '2025-01-01T00:00:00Z', public_handle: 0 }));
    await db.insertInto('members').values(jurors).execute();
    const rows = Array.from({ length: comparisons }, (_, k) => {
      const a = k < projects ? k : Math.floor(next() * projects);
      let b = k < projects ? (k + 1) % projects : Math.floor(next() * (projects - 1));
      if (k >= projects && b >= a) b++;
      const diff = logit[b]! - logit[a]! + 0.3 * (next() - 0.5);
      const ratio = RATIOS.reduce((best, r) => (Math.abs(Math.log(r) - Math.abs(diff)) < Math.abs(Math.log(best) - Math.abs(diff)) ? r : best), RATIOS[0]!);
      const winner = Math.abs(diff) < 0.2 ? 'equal' : diff > 0 ? 'b' : 'a';
      const at = new Date(Date.parse('2025-01-01T00:00:00Z') + k * 1000).toISOString();
      return { id: newId(), round_id: round.id, juror_id: jurors[k % JURORS]!.id, a: `project-${a}`, b: `project-${b}`, winner, ratio: winner === 'equal' ? 1 : ratio, reason: null, at, position: k, superseded_at: null };
    });
    for (let i = 0; i < rows.length; i += 500) await db.insertInto('pairwise_comparisons').values(rows.slice(i, i + 500)).execute();
    await db.destroy();

    const juror: FakeUser = fake.user(900, 'benchjuror');
    const asked = (messages: SentMessage[]) => messages.filter((m) => m.chat_id === juror.id).findLast((m) => m.buttons.length > 0);
    let question = asked(await t.after(() => fake.say(GROUP, juror, '/judge round:df1')));
    const answered: number[] = [];
    const ratioAsked: number[] = [];
    const started = performance.now();
    for (let k = 0; k < ANSWERS && question; k++) {
      if (k % 2 === 1) {
        const at = performance.now();
        question = asked(await t.after(() => fake.tap(juror, question!, 2)));
        answered.push(performance.now() - at);
        continue;
      }
      let at = performance.now();
      const ratios = asked(await t.after(() => fake.tap(juror, question!, 0)));
      ratioAsked.push(performance.now() - at);
      if (!ratios?.text.includes('How many times more')) throw new Error(`no ratio question: ${ratios?.text}`);
      at = performance.now();
      question = asked(await t.after(() => fake.tap(juror, ratios, 1)));
      answered.push(performance.now() - at);
    }
    if (answered.length < ANSWERS) throw new Error(`the juror ran out of questions after ${answered.length} answers`);
    const figures = (xs: number[]) => ({ p50: p(xs, 50), p99: p(xs, 99), max: Math.max(...xs) });
    return { projects, comparisons, answers: answered.length, seconds: (performance.now() - started) / 1000, next: figures(answered), ratio: figures(ratioAsked), errors: t.errors.length };
  } finally {
    await t.close();
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** The figures as the bench prints them. */
export function judgeLines(f: Awaited<ReturnType<typeof judgeFigures>>): string[] {
  return [
    `judging through the Telegram adapter, a round of ${f.projects} projects holding ${f.comparisons.toLocaleString('en-US')} comparisons, ${f.answers} answers in ${f.seconds.toFixed(1)} s:`,
    `  answering tap to the next question: p50 ${ms(f.next.p50)}, p99 ${ms(f.next.p99)}, max ${ms(f.next.max)}   [target p99 < 100 ms]`,
    `  winner tap to the ratio question: p50 ${ms(f.ratio.p50)}, p99 ${ms(f.ratio.p99)}, max ${ms(f.ratio.max)}`,
    ...(f.errors > 0 ? [`  the bot logged ${f.errors} errors`] : []),
  ];
}
