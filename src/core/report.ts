import { compareIds } from './order.ts';
import { reputationPoints, type PointsBreakdown } from './reputation.ts';
import { splitRewards, type RewardSplit } from './rewards.ts';
import { assignTiers, NO_TIER_FACTOR } from './tiers.ts';
import type { RoundData } from './types.ts';
import { countedChoices, tally, votingPower, type QuestionTally, type VotingPower } from './voting.ts';

export interface MemberReport {
  id: string;
  handle: string;
  excluded: boolean;
  points: number;
  tier: string | null;
  factor: number;
  breakdown: PointsBreakdown;
}
export interface RoundReport {
  round: string;
  name: string;
  token: { symbol: string; decimals: number };
  members: MemberReport[];
  questions: QuestionTally[];
  rewards: RewardSplit & { pool: bigint };
  /** Voting power of every member who holds tokens, for receipts and charts. */
  power: Map<string, VotingPower>;
}

/** Every number of a round, from its data alone. */
export function computeReport(data: RoundData): RoundReport {
  const { config } = data.round;
  const reputation = reputationPoints(
    { memberIds: data.members.map((m) => m.id), ...data },
    config.reputation,
  );
  const tiers = assignTiers(new Map([...reputation].map(([id, r]) => [id, r.points])), config.tiers);

  const power = new Map<string, VotingPower>();
  const votingRules = { ...config.voting, decimals: config.token.decimals };
  for (const m of data.members) {
    if (m.wallets.length === 0) continue;
    const factor = tiers.get(m.id)?.factor ?? NO_TIER_FACTOR;
    power.set(m.id, votingPower(m.wallets.map((w) => w.balance), votingRules, factor));
  }
  const choices = countedChoices(data.votes);
  const questions = tally(data.questions, choices, power);

  const voted = new Set<string>();
  for (const byMember of choices.values())
    for (const member of byMember.keys()) if ((power.get(member)?.tokens ?? 0n) > 0n) voted.add(member);

  const members: MemberReport[] = data.members
    .map((m) => {
      const r = reputation.get(m.id)!;
      const tier = tiers.get(m.id);
      return {
        id: m.id,
        handle: m.handle,
        excluded: m.excluded,
        points: r.points,
        tier: tier?.name ?? null,
        factor: tier?.factor ?? NO_TIER_FACTOR,
        breakdown: r.breakdown,
      };
    })
    .sort((a, b) => b.points - a.points || compareIds(a.id, b.id));

  const rewards = splitRewards(
    members.map((m) => ({ id: m.id, excluded: m.excluded, points: m.points, voted: voted.has(m.id) })),
    config.rewards,
  );
  return {
    round: data.round.id,
    name: data.round.name,
    token: config.token,
    members,
    questions,
    rewards: { pool: config.rewards.pool, ...rewards },
    power,
  };
}

/** The report JSON of DESIGN.md: amounts as decimal strings, keys in a fixed order, so the bytes are reproducible. */
export function reportJson(report: RoundReport): string {
  const json = {
    round: report.round,
    members: report.members.map((m) => ({
      id: m.id,
      handle: m.handle,
      excluded: m.excluded,
      points: m.points,
      tier: m.tier,
      factor: m.factor,
      breakdown: m.breakdown,
    })),
    questions: report.questions.map((q) => ({
      id: q.id,
      text: q.text,
      options: q.options.map((o) => ({ ...o, tokenVotes: o.tokenVotes.toString() })),
      winners: q.winners,
      changes: q.changes,
    })),
    rewards: report.rewards.amounts.map((r) => ({ member: r.member, amount: r.amount.toString() })),
    rewardTotals: {
      pool: report.rewards.pool.toString(),
      contribution: report.rewards.contribution.toString(),
      participation: report.rewards.participation.toString(),
      undistributed: report.rewards.undistributed.toString(),
    },
  };
  return JSON.stringify(json, null, 2) + '\n';
}
