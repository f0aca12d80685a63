import type { Command } from '../src/commands/framework.ts';
import comment from './comment.ts';
import demo from './demo.ts';
import exclude from './exclude.ts';
import exportRound from './export.ts';
import help from './help.ts';
import include from './include.ts';
import leaderboard from './leaderboard.ts';
import poll from './poll.ts';
import privacy from './privacy.ts';
import proposal from './proposal.ts';
import rate from './rate.ts';
import react from './react.ts';
import retract from './retract.ts';
import reputation from './reputation.ts';
import rewards from './rewards.ts';
import round from './round.ts';
import tally from './tally.ts';
import vote from './vote.ts';
import verify from './verify.ts';
import wallet from './wallet.ts';
import wallets from './wallets.ts';

/** Every chat command; each platform registers this same list. Adding a command is adding a file and a line here. */
export const commands: readonly Command[] = [help, demo, round, poll, proposal, comment, react, retract, rate, vote, reputation, leaderboard, tally, rewards, exclude, include, wallet, verify, wallets, exportRound, privacy];
