// Writes examples/governance-round-1.json: a round modelled on the seed's Deep Funding Governance Round 1
// (2 questions, 84 voting wallets, 16 proposals, ~200 upvotes, 14 icon reactions, 3 staff, 100,000 AGIX).
// Deterministic: the first seed whose outcome shows both effects the seed reports (quadratic voting changes
// question 1, reputation changes question 2) is kept.
import { writeFileSync } from 'node:fs';
import { computeReport } from '../src/core/report.ts';
import { parseRoundFile, serializeRoundFile, type RoundFileInput } from '../src/roundfile/schema.ts';

const mulberry32 = (seed: number) => () => {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const HANDLES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'uma', 'victor', 'walter', 'xena', 'yusuf', 'zoe', 'amir', 'bea'];
const TITLES = ['Onboarding existing AI services', 'A pool for ideation-phase projects', 'Milestone-based payouts', 'Community review of proposals', 'Reputation for reviewers', 'Cardano wallet voting', 'Shorter funding rounds', 'Mentors for new teams', 'Open-source requirement', 'Translation of the portal', 'A grants committee', 'Proposal templates', 'Public demo days', 'Quadratic funding pilot', 'Audit of funded projects', 'A developer bounty board'];

function build(seed: number): RoundFileInput {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const time = (day: number, minute: number) => new Date(Date.UTC(2022, 9, day, 9, minute)).toISOString().replace('.000', '');
  const units = (tokens: number) => (BigInt(Math.round(tokens * 100)) * 1_000_000n).toString(); // 8 decimals

  // 25 people active on the portal; the first three are Foundation staff, five of the others also vote.
  const contributors = HANDLES.map((handle, i) => ({ id: `m${String(i + 1).padStart(3, '0')}`, handle, excluded: i < 3, wallets: [] as { chain: string; address: string; balance: string }[] }));
  const activeVoters = contributors.slice(3, 8);
  // 79 more wallets' holders who only vote; two of them hold two wallets: 5 + 79 + 2 = 86 wallets, of which 84 vote.
  const holders = Array.from({ length: 79 }, (_, i) => ({ id: `w${String(i + 1).padStart(3, '0')}`, handle: `holder${i + 1}`, excluded: false, wallets: [] as { chain: string; address: string; balance: string }[] }));
  let addressSeq = 0;
  const wallet = (tokens: number) => ({ chain: 'eip155:1', address: `0x${(++addressSeq).toString(16).padStart(4, '0')}${Math.floor(rnd() * 2 ** 48).toString(16).padStart(12, '0')}${'0'.repeat(24)}`, balance: units(tokens) });
  // A few whales and a long tail, about 9.9 million AGIX in all.
  holders.forEach((h, i) => h.wallets.push(wallet(i < 3 ? 1_400_000 + rnd() * 300_000 : Math.exp(7 + rnd() * 4.6))));
  holders[10]!.wallets.push(wallet(Math.exp(7 + rnd() * 3)));
  holders[20]!.wallets.push(wallet(Math.exp(7 + rnd() * 3)));
  activeVoters.forEach((m) => m.wallets.push(wallet(2_000 + rnd() * 30_000)));
  // One person linked a wallet, never commented, and holds no tokens: on the list, with no weight.
  const lurker = { id: 'w080', handle: 'holder80', excluded: false, wallets: [wallet(0)] };
  const members = [...contributors, ...holders, lurker];

  const proposals = TITLES.map((title, i) => ({ id: `p${i + 1}`, author: pick(contributors.slice(0, 14)).id, title, createdAt: time(1 + (i % 5), i) }));
  const ratings: { proposal: string; rater: string; stars: number }[] = [];
  for (const p of proposals)
    for (const m of contributors) if (m.id !== p.author && rnd() < 0.3) ratings.push({ proposal: p.id, rater: m.id, stars: 1 + Math.floor(rnd() * 5) });

  // Comment counts skewed so that a few members are far more active than the rest.
  const comments: { id: string; author: string; proposal: string; createdAt: string }[] = [];
  contributors.forEach((m, i) => {
    const n = i < 12 ? Math.floor(24 / (1 + i * 0.6) + rnd() * 3) : Math.floor(rnd() * 3);
    for (let k = 0; k < n; k++) comments.push({ id: `c${comments.length + 1}`, author: m.id, proposal: pick(proposals).id, createdAt: time(5 + (k % 10), k) });
  });
  const reactions: { comment: string; reactor: string; kind: 'upvote' | 'positive' | 'negative' }[] = [];
  const seen = new Set<string>();
  const react = (kind: 'upvote' | 'positive', count: number) => {
    while (count > 0) {
      const c = pick(comments);
      const r = pick(contributors);
      const key = `${c.id} ${r.id} ${kind}`;
      if (r.id === c.author || seen.has(key)) continue;
      seen.add(key);
      reactions.push({ comment: c.id, reactor: r.id, kind });
      count--;
    }
  };
  react('upvote', 198);
  react('positive', 14);

  const questions = [
    { id: 'q1', text: 'Should we create a pool for searching and onboarding existing AI services?', options: ['Yes, a specific pool for existing services', 'Yes, and dedicate a full round to this approach', 'No, this is not what the treasury is for'] },
    { id: 'q2', text: 'Should we have a small pool in round 2 just for projects in the ideation phase?', options: ['Yes, it brings the best ideas to maturity', 'No, teams that cannot write a detailed proposal are not ready'] },
  ];
  const votes: { question: string; member: string; option: number; castAt: string }[] = [];
  const voters = [...activeVoters, ...holders];
  voters.forEach((m, i) => {
    const whale = holders.indexOf(m as never) >= 0 && holders.indexOf(m as never) < 3;
    const active = activeVoters.includes(m);
    // 6–8% vote on one question only.
    const skip = rnd() < 0.07 ? (rnd() < 0.5 ? 'q1' : 'q2') : null;
    if (skip !== 'q1') votes.push({ question: 'q1', member: m.id, option: whale ? 1 : rnd() < 0.62 ? 0 : rnd() < 0.6 ? 1 : 2, castAt: time(20, i) });
    if (skip !== 'q2') votes.push({ question: 'q2', member: m.id, option: active ? 0 : whale ? 0 : rnd() < 0.47 ? 0 : 1, castAt: time(21, i) });
  });
  // A few members changed their mind; the later choice counts.
  for (const m of voters.slice(10, 14)) votes.push({ question: 'q2', member: m.id, option: 1, castAt: time(22, 1) });

  return {
    version: 1,
    round: { id: 'gr1', name: 'Deep Funding Governance Round 1', config: { token: { symbol: 'AGIX', decimals: 8 }, rewards: { pool: '10000000000000' } } },
    members,
    proposals,
    ratings,
    comments,
    reactions,
    questions,
    votes,
  };
}

for (let seed = 1; seed < 10_000; seed++) {
  const data = parseRoundFile(build(seed));
  const [q1, q2] = computeReport(data).questions;
  if (q1!.winners.tokenVotes === 1 && q1!.winners.quadraticVotes === 0 && q1!.winners.qualifiedVotes === 0 &&
      q2!.winners.quadraticVotes === 1 && q2!.winners.qualifiedVotes === 0) {
    writeFileSync(new URL('../examples/governance-round-1.json', import.meta.url), serializeRoundFile(data));
    console.log(`seed ${seed}: wrote examples/governance-round-1.json`);
    process.exit(0);
  }
}
throw new Error('no seed gave the outcome of the seed round');
