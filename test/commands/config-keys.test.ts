import { afterEach, describe, expect, it } from 'vitest';
import { consoleHarness } from '../helpers/console.ts';
import { accounts, telegramUser } from './accounts.ts';

let harness: Awaited<ReturnType<typeof consoleHarness>>;
afterEach(() => harness?.close());

const storedConfig = async () => (await harness.db.selectFrom('rounds').select('config').executeTakeFirstOrThrow()).config;
const polluted = () => ['x', 'polluted', 'pool'].filter((k) => k in {});

describe('/round config keys are the rules of the schema', () => {
  it.each([
    ['constructor.prototype.x', '"constructor" is never the name of a rule'],
    ['rewards.constructor.prototype.x', '"constructor" is never the name of a rule'],
    ['__proto__.x', '"__proto__" is never the name of a rule'],
    ['rewards.__proto__.pool', '"__proto__" is never the name of a rule'],
    ['prototype', '"prototype" is never the name of a rule'],
    ['tiers.prototype.x', '"prototype" is never the name of a rule'],
  ])('GIVEN key:%s THEN it is refused, nothing is written anywhere', async (key, refusal) => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    const before = await storedConfig();
    expect(await harness.say(`/round config key:${key} value:1`)).toContain(`key: ${refusal}.`);
    expect(polluted()).toEqual([]);
    expect(await storedConfig()).toBe(before);
  });

  it('GIVEN a JSON value with a __proto__ key THEN it is refused as an unknown rule, and no object is changed', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say(`/round config key:reputation value:"{\\"__proto__\\":{\\"polluted\\":1}}"`)).toContain('reputation: there is no "__proto__"');
    expect(polluted()).toEqual([]);
  });

  it('GIVEN names that are not rules THEN the rules at that level are listed', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    expect(await harness.say('/round config key:toString value:1')).toContain('there is no rule "toString"; the rules are token, reputation, tiers, voting, rewards, timezone');
    expect(await harness.say('/round config key:rewards.hasOwnProperty value:1')).toContain('there is no rule "rewards.hasOwnProperty"; the rules of rewards are pool, contributionPercent, capPercent');
    expect(await harness.say('/round config key:rewards.pool.x value:1')).toContain('rewards.pool is a single value: set rewards.pool as a whole');
    // tiers is one of two shapes: the keys of both are rules
    expect(await harness.say('/round config key:tiers.by value:points')).toContain('tiers.levels.0.minPoints: missing; write minPoints:…');
    expect(await harness.say('/round config key:tiers.by value:ranks')).toContain('tiers.by: write percentile or points');
    expect(await harness.say('/round config key:tiers.levels value:"[{\\"name\\":\\"A\\",\\"minPoints\\":5,\\"factor\\":3}]"')).toContain('tiers.levels.0: there is no "minPoints"');
  });

  it('GIVEN the attempts in one community THEN another community runs its commands as before', async () => {
    harness = await consoleHarness();
    await harness.say('/round create id:r1 name:R');
    for (const key of ['constructor.prototype.pool', '__proto__.pool', 'prototype.pool', 'rewards.constructor.prototype.pool']) await harness.say(`/round config key:${key} value:"{}"`);
    const chat = accounts(harness);
    const other = await chat.community('-100200');
    const admin = telegramUser('7', 'admin', true);
    expect(await chat.say(other, admin, '/round create id:o1 name:Other')).toContain('Round o1 "Other" is created');
    expect(await chat.say(other, admin, '/round config key:rewards.pool value:500')).toContain('rewards.pool is now 500 AGIX (500000000000000000000 base units)');
    expect(await chat.say(other, admin, '/round config key:reputation.commentPoints value:2')).toContain('reputation.commentPoints is now 2');
    expect(await chat.say(other, admin, '/poll open question:"Still fine?" options:"Yes|No"')).toContain('Poll q1: Still fine?');
    expect(await harness.say('/round config key:rewards.capPercent value:20')).toContain('rewards.capPercent is now 20');
    expect(polluted()).toEqual([]);
    expect(harness.errors).toEqual([]);
  });
});
