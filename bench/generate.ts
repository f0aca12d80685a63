import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface BenchSize {
  members: number;
  proposals: number;
  ratings: number;
  comments: number;
  reactions: number;
  questions: number;
  votes: number;
}

export const FULL: BenchSize = { members: 100_000, proposals: 2_000, ratings: 50_000, comments: 400_000, reactions: 600_000, questions: 5, votes: 500_000 };

/** Writes a valid round file of the given size, streamed, with a fixed pseudo-random sequence. */
export async function writeBenchRound(path: string, size: BenchSize): Promise<void> {
  let state = 42;
  const rnd = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state % n;
  };
  const out = createWriteStream(path);
  let buffer = '';
  const write = async (s: string) => {
    buffer += s;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  };
  const list = async (name: string, count: number, item: (i: number) => string, last = false) => {
    await write(`"${name}":[`);
    for (let i = 0; i < count; i++) await write((i ? ',' : '') + item(i));
    await write(last ? ']' : '],');
  };
  const member = () => `"m${rnd(size.members)}"`;

  await write(`{"version":1,"round":{"id":"bench","name":"Benchmark round","config":{"rewards":{"pool":"100000000000000000000000"}}},`);
  await list('members', size.members, (i) =>
    `{"id":"m${i}","handle":"member${i}","excluded":${i % 1000 === 0},"wallets":[{"chain":"eip155:1","address":"0x${i.toString(16).padStart(40, '0')}","balance":"${BigInt(1 + rnd(1_000_000)) * 10n ** 18n}"}]}`,
  );
  await list('proposals', size.proposals, (i) => `{"id":"p${i}","author":${member()},"title":"Proposal ${i}"}`);
  // ratings, reactions: distinct pairs by construction (member index advances with the item index)
  await list('ratings', size.ratings, (i) => `{"proposal":"p${i % size.proposals}","rater":"m${Math.floor(i / size.proposals) * 7 % size.members}","stars":${1 + rnd(5)}}`);
  await list('comments', size.comments, (i) => `{"id":"c${i}","author":${member()},"proposal":"p${rnd(size.proposals)}"}`);
  const kinds = ['upvote', 'upvote', 'upvote', 'positive', 'negative'];
  await list('reactions', size.reactions, (i) => `{"comment":"c${i % size.comments}","reactor":"m${(Math.floor(i / size.comments) * 9973 + rnd(size.members)) % size.members}","kind":"${kinds[Math.floor(i / size.comments)]!}"}`);
  await list('questions', size.questions, (i) => `{"id":"q${i}","text":"Question ${i}?","options":["Yes","No","Abstain"]}`);
  await list(
    'votes',
    size.votes,
    (i) => `{"question":"q${i % size.questions}","member":"m${Math.floor(i / size.questions) % size.members}","option":${rnd(3)},"castAt":"2024-01-0${1 + Math.floor(i / (size.questions * size.members))}T10:${String(rnd(60)).padStart(2, '0')}:00Z"}`,
    true,
  );
  await write('}');
  out.end(buffer);
  await once(out, 'finish');
}
