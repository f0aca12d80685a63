import { describe, expect, it } from 'vitest';
import { answerInformation } from '../../../src/core/pairwise/information.ts';

const RATIOS = [1.5, 2, 3, 5, 10, 30, 100];

describe('the information of one answer', () => {
  it('GIVEN answers capped at 100 times THEN a pair 6 log-units apart tells far less than an even pair, and ever less as answers accumulate', () => {
    const few = answerInformation(RATIOS, 3, 10);
    const many = answerInformation(RATIOS, 3, 1000);
    expect(few(6)).toBeLessThan(few(0) / 3);
    expect(many(6)).toBeLessThan(many(0) / 30);
    expect(many(0)).toBeCloseTo(few(0), 6);
    expect(few(-6)).toBe(few(6));
  });

  it('GIVEN an even pair THEN the information is about 1/σ² (the answer is unbiased there), and 1/σ² exactly without offered ratios', () => {
    expect(answerInformation(RATIOS, 3, 100)(0)).toBeGreaterThan(0.8 / 3);
    expect(answerInformation(RATIOS, 3, 100)(0)).toBeLessThan(1.2 / 3);
    expect(answerInformation([], 2.5, 100)(7)).toBe(1 / 2.5);
  });
});
