import { createHash } from 'node:crypto';
import { ballotText } from './ballots.ts';
import { indexRound } from './indexed.ts';
import { computeReport } from './report.ts';
import { countedBallots } from './voting.ts';
import type { RoundData, SecretTally } from './types.ts';

/**
 * The commitment to one ballot of a secret poll: sha256 over the UTF-8 of the member's key, the choice (the option's
 * index, from 0, in decimal; an approval or ranked ballot's indices joined by commas, as cast: "2,0") and the salt
 * (64 hex digits, in the voter's private receipt), written one after the other.
 */
export const ballotCommitment = (memberKey: string, choice: number | readonly number[], salt: string): string =>
  createHash('sha256').update(`${memberKey}${typeof choice === 'number' ? choice : ballotText(choice)}${salt}`).digest('hex');

/**
 * A round as it may be published: each secret poll's votes replaced by its attested tally (option totals, who voted,
 * the sorted commitments), so no member's choice is in it. `saltOf(question, member)` gives the salt of the ballot
 * that counts. The tally is the one the full round gives, so both replay to the same totals.
 */
export function sealSecretPolls(data: RoundData, saltOf: (question: string, member: string) => string | undefined): RoundData {
  const secret = new Set(data.questions.filter((q) => q.privacy === 'secret').map((q) => q.id));
  if (secret.size === 0) return data;
  const round = indexRound(data);
  const report = computeReport(round);
  const ballots = countedBallots(round.votes, round.questions, round.members.length);
  const position = new Map(data.members.map((m, i) => [m.id, i]));
  const secretTallies: SecretTally[] = report.questions
    .map((q, qi) => ({ q, qi }))
    .filter(({ q }) => secret.has(q.id))
    .map(({ q, qi }) => {
      const counted = [...report.choicesOf(q.id)].filter(([member]) => (report.powerOf(member)?.tokens ?? 0n) > 0n);
      return {
        question: q.id,
        voters: counted.map(([member]) => member).sort(),
        options: q.options.map((o) => ({ tokenVotes: o.tokenVotes, quadraticVotes: o.quadraticVotes, qualifiedVotes: o.qualifiedVotes })),
        commitments: counted.map(([member, choice]) => ballotCommitment(member, ballots[qi]?.[position.get(member)!] ?? choice, saltOf(q.id, member) ?? '')).sort(),
      };
    });
  return { ...data, votes: data.votes.filter((v) => !secret.has(v.question)), secretTallies: [...(data.secretTallies ?? []), ...secretTallies] };
}
