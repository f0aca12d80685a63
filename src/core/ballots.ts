import type { PollType, Question, Vote } from './types.ts';

/** The field a vote answers its poll with: one option, the ticked options, or a ranking (DESIGN.md "The round file"). */
export const BALLOT_FIELD = { single: 'option', approval: 'options', ranked: 'ranking' } as const;

/** The option indices of an approval or ranked vote; undefined for a single choice. */
export const ballotOf = (v: Pick<Vote, 'options' | 'ranking'>): readonly number[] | undefined => v.options ?? v.ranking;

/**
 * What is wrong with how a vote answers its poll, as [field, message]: the field must be the poll type's (`option`,
 * `options` or `ranking`, and no other), each index an option of the poll, none twice.
 */
export function voteProblem(q: Question, v: Vote): [keyof Vote, string] | undefined {
  const type = q.type ?? 'single';
  const field = BALLOT_FIELD[type];
  const poll = `${q.id} is ${type === 'approval' ? 'an' : 'a'} ${type} poll`;
  for (const other of ['option', 'options', 'ranking'] as const)
    if (other !== field && v[other] !== undefined) return [other, `${poll}: a vote on it gives ${field}, not ${other}`];
  const given = v[field];
  if (given === undefined) return [field, `${poll}: a vote on it gives ${field}`];
  const indices = typeof given === 'number' ? [given] : given;
  const outside = indices.find((o) => o >= q.options.length);
  if (outside !== undefined) return [field, `${outside} is not an option of ${q.id}`];
  const repeated = indices.find((o, i) => indices.indexOf(o) !== i);
  if (repeated !== undefined) return [field, `option ${repeated} is listed twice`];
  return undefined;
}

/**
 * A ballot as one text: its option indices from 0, in decimal, joined by commas ("0,2"; a single choice is its one
 * index, "2"). The column votes.ballot stores it, and it is the "choice" a secret ballot's commitment covers.
 */
export const ballotText = (options: readonly number[]): string => options.join(',');

export const ballotFromText = (text: string): number[] => text.split(',').map(Number);

/** How a vote answers a poll of `type` in a round file: `{ option }`, `{ options }` or `{ ranking }`. */
export function answerOf(type: PollType, ballot: readonly number[]): Pick<Vote, 'option' | 'options' | 'ranking'> {
  return type === 'single' ? { option: ballot[0]! } : { [BALLOT_FIELD[type]]: [...ballot] };
}
