import { describe, expect, it } from 'vitest';
import { parseLine } from '../../src/commands/parse.ts';

describe('console command lines', () => {
  it('GIVEN a subcommand, quoted options and a flag THEN they become the invocation', () => {
    expect(parseLine('/poll open question:"Fund \\"ideas\\"?" options:"Yes | No" --dry')).toEqual({
      ok: true,
      invocation: { name: 'poll', subcommand: 'open', options: { question: 'Fund "ideas"?', options: 'Yes | No', dry: true } },
      words: [],
    });
  });

  it('GIVEN an empty quoted value or a colon in a value THEN they are kept', () => {
    expect(parseLine('/round config key:rewards.pool value:"" closes:2025-01-01T10:00:00Z')).toMatchObject({
      invocation: { options: { key: 'rewards.pool', value: '', closes: '2025-01-01T10:00:00Z' } },
    });
  });

  it('GIVEN no slash or an open quote THEN it says what is wrong', () => {
    expect(parseLine('vote poll:q1')).toEqual({ ok: false, error: 'Commands start with /, such as /help.' });
    expect(parseLine('/vote poll:"q1')).toEqual({ ok: false, error: 'A quote is not closed.' });
  });
});
