import cron from 'node-cron';
import { isPostgres, type Db } from './db/database.ts';
import { workerName } from './db/chat.ts';
import type { Selectable } from 'kysely';
import type { Database } from './db/schema.ts';
import type { Executor } from './db/repositories.ts';
import type { RoundRow } from './db/schema.ts';
import { appendAudit, roundConfigOf } from './db/repositories.ts';
import { reputationSnapshotFalls } from './db/reputation-snapshot.ts';
import { closePoll, tallyReply } from '../commands/poll.ts';
import { closePairwise, openPairwise } from '../commands/pairwise.ts';
import { oweReminders, pollsToRemind } from '../commands/notify.ts';
import type { Reply } from './commands/reply.ts';
import { encodeReply, text } from './commands/reply.ts';
import { oweMessages } from './db/outbox.ts';
import type { Logger } from './log.ts';

export interface SchedulerDeps {
  db: Db;
  now: () => Date;
  /** Told when announcements were owed (written to the outbox with the job's effect), so they are posted now. */
  owed: () => void;
  logger: Logger;
  /** This process, as leases name it. */
  worker?: string;
  /** How long a job stays leased to the process that took it: should that process die, another runs it after this. */
  leaseMs?: number;
  /** The bot's public web address, for the results page a pairwise round's close links. */
  publicUrl?: string | undefined;
}

type JobRow = Selectable<Database['jobs']>;
/** Governance rounds' jobs, and pairwise rounds' (the same columns, their round in pairwise_rounds). */
type JobTable = 'jobs' | 'pairwise_jobs';

/**
 * Leases the due jobs that no live process holds to `worker`. On PostgreSQL the rows are picked FOR UPDATE SKIP
 * LOCKED, so processes asking at once take different jobs instead of waiting for each other; SQLite has one writer.
 * Leases run on the real clock (like the outbox's): they are about processes, not governance time.
 */
async function leaseDueJobs(db: Db, table: JobTable, worker: string, now: Date, leaseMs: number): Promise<JobRow[]> {
  const at = new Date();
  // both tables have the columns of `jobs`; kysely types one table at a time
  const jobs = table as 'jobs';
  let due = db
    .selectFrom(jobs)
    .select('id')
    .where('done_at', 'is', null)
    .where('due_at', '<=', now.toISOString())
    .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', at.toISOString())]))
    .orderBy('due_at')
    .orderBy('id')
    .limit(100);
  if (isPostgres(db)) due = due.forUpdate().skipLocked();
  const leased = await db.updateTable(jobs).set({ leased_by: worker, leased_until: new Date(at.getTime() + leaseMs).toISOString() }).where('id', 'in', due).returningAll().execute();
  return leased.sort((a, b) => a.due_at.localeCompare(b.due_at) || a.id.localeCompare(b.id));
}

/**
 * Fires the jobs that are due: phase changes and poll closes. A job is first leased to this process (so that other
 * processes leave it alone), then done by setting done_at where it is still null and still ours, in the same
 * transaction as its effect: it fires exactly once even across restarts and processes. A process that dies with a
 * job leased leaves it to another once the lease runs out; one that dies mid-effect commits nothing of it.
 */
export async function runDueJobs(deps: SchedulerDeps): Promise<number> {
  const now = deps.now();
  const worker = deps.worker ?? workerName();
  let fired = 0;
  for (const table of ['jobs', 'pairwise_jobs'] as const)
    for (const job of await leaseDueJobs(deps.db, table, worker, now, deps.leaseMs ?? 60_000)) {
      try {
        // The claim, the effect and the announcement it owes commit together: a tally whose post is refused is
        // retried by the outbox (then posted without its chart), never lost with the job marked done.
        const owed = await deps.db.transaction().execute(async (trx) => {
          const claim = await trx.updateTable(table as 'jobs').set({ done_at: now.toISOString() }).where('id', '=', job.id).where('done_at', 'is', null).where('leased_by', '=', worker).executeTakeFirst();
          if (claim.numUpdatedRows === 0n) return false;
          const round = await trx.selectFrom(table === 'jobs' ? 'rounds' : 'pairwise_rounds').selectAll().where('id', '=', job.round_id).executeTakeFirstOrThrow();
          const effect =
            table === 'pairwise_jobs'
              ? await changePairwisePhase(trx, job.round_id, job.target, now, deps.publicUrl)
              : job.kind === 'phase'
                ? await changePhase(trx, round as RoundRow, job.target, now)
                : job.kind === 'reputation_snapshot'
                  ? await reputationSnapshotTime(trx, round as RoundRow, new Date(job.due_at))
                  : await closeScheduledPoll(trx, round as RoundRow, job.target, now);
          await appendAudit(trx, { community_id: round.community_id, round_id: round.id, actor_id: null, action: `schedule.${job.kind}`, detail: { target: job.target, due: job.due_at }, at: now.toISOString() });
          if (!effect) return false;
          const community = await trx.selectFrom('communities').select(['id', 'platform']).where('id', '=', round.community_id).executeTakeFirstOrThrow();
          await oweMessages(trx, [{ communityId: community.id, platform: community.platform, target: JSON.stringify({ kind: 'announce' }), reply: encodeReply(await effect(trx)) }], now);
          return true;
        });
        fired++;
        if (owed) deps.owed();
      } catch (error) {
        deps.logger.error('scheduled job failed', { job: job.id, kind: job.kind, target: job.target, error });
      }
    }
  // reminders need no job row: the poll's closing time says when, and poll_reminders that they were owed
  for (const poll of await pollsToRemind(deps.db, now))
    try {
      if ((await deps.db.transaction().execute((trx) => oweReminders(trx, poll, now))) === 0) continue;
      fired++;
      deps.owed();
    } catch (error) {
      deps.logger.error('poll reminders failed', { poll, error });
    }
  return fired;
}

/** What to post about the change, read from the changed state. */
type Announcement = ((db: Executor) => Promise<Reply>) | null;

async function changePhase(db: Executor, round: RoundRow, phase: string, now: Date): Promise<Announcement> {
  await db.updateTable('rounds').set({ phase }).where('id', '=', round.id).execute();
  if (phase === 'voting' || phase === 'closed') await reputationSnapshotFalls(db, { id: round.id, config: roundConfigOf(round) }, phase === 'voting' ? 'voting opens' : 'round closes', now);
  if (phase === 'closed') {
    const open = await db.selectFrom('questions').select(['id', 'key']).where('round_id', '=', round.id).where('status', '=', 'open').execute();
    for (const q of open) await closePoll(db, round, q.id, now);
  }
  const message: Record<string, string> = {
    proposals: `Round ${round.key} is open for proposals: /proposal submit.`,
    voting: `Voting has opened in round ${round.key}: /poll list.`,
    closed: `Round ${round.key} is closed. /tally and /leaderboard show the results.`,
  };
  return async () => ({ blocks: [text(message[phase] ?? `Round ${round.key} is now in its ${phase} phase.`)], about: { kind: 'round', round: round.key, key: round.key } });
}

/** A pairwise round opens or closes on schedule; nothing is posted when it had opened or closed by hand before. */
async function changePairwisePhase(db: Executor, roundId: string, phase: string, now: Date, publicUrl: string | undefined): Promise<Announcement> {
  const row = await db.selectFrom('pairwise_rounds').selectAll().where('id', '=', roundId).executeTakeFirstOrThrow();
  const post = phase === 'open' ? await openPairwise(db, row, now) : await closePairwise(db, row, now, publicUrl);
  return post && (async () => post);
}

/** A reputation snapshot set to a time falls at that time, even when the job runs late (the bot was down). */
async function reputationSnapshotTime(db: Executor, round: RoundRow, at: Date): Promise<Announcement> {
  if (!(await reputationSnapshotFalls(db, { id: round.id, config: roundConfigOf(round) }, 'snapshot time', at))) return null;
  return async () => ({ blocks: [text(`The reputation snapshot of round ${round.key} fell: the tiers that weight votes are frozen from now on; activity still earns reward points.`)], about: { kind: 'round', round: round.key, key: round.key } });
}

async function closeScheduledPoll(db: Executor, round: RoundRow, questionId: string, now: Date): Promise<Announcement> {
  const q = await db.selectFrom('questions').select(['key', 'status']).where('id', '=', questionId).executeTakeFirst();
  if (!q || !(await closePoll(db, round, questionId, now))) return null;
  return (changed) => tallyReply(changed, round, q.key, `Poll ${q.key} closed on schedule. Final tally:`);
}

/** Checks for due jobs every ten seconds; the first check runs at once, catching up on what fell due while down. */
export function startScheduler(deps: SchedulerDeps): { stop: () => Promise<void>; ready: Promise<number> } {
  const ready = runDueJobs(deps);
  let running: Promise<unknown> = ready;
  const task = cron.schedule('*/10 * * * * *', () => {
    running = running.then(() => runDueJobs(deps));
  });
  return {
    ready,
    stop: async () => {
      await task.stop();
      await running;
    },
  };
}
