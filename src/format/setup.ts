import { text, type Reply } from '../commands/reply.ts';

/** A right the bot needs in a group or server, whether it has it, and what it is for. */
export interface Right {
  name: string;
  has: boolean;
  why: string;
}

/** The first commands of a round, in the order a moderator runs them. */
const FIRST_COMMANDS = [
  '/round create id:r1 name:"Round 1"',
  '/round config key:rewards.pool value:100000',
  '/round schedule proposals:1d voting:7d close:14d',
  '/poll open question:"Fund it?" options:"Yes|No"',
];

/**
 * What the bot posts when it joins a group or server: for the admins, the rights it has and lacks (each with what it
 * is for, so they know what giving it changes), then the first commands of a round.
 */
export function setupChecklist(rights: readonly Right[]): Reply {
  const lacking = rights.filter((r) => !r.has);
  // Plain text, no title: a Discord embed would need the very Embed Links permission the list may say is missing.
  return {
    blocks: [
      text('Hello! I run governance rounds here: proposals, polls, reputation, rewards.'),
      text(
        [
          lacking.length ? `Admins, I lack ${lacking.length === 1 ? 'one right' : `${lacking.length} rights`}:` : 'Admins, I have every right I use:',
          ...lacking.map((r) => `✗ ${r.name}: ${r.why}`),
          ...rights.filter((r) => r.has).map((r) => `✓ ${r.name}`),
        ].join('\n'),
      ),
      text(`First steps, for moderators:\n${FIRST_COMMANDS.map((c, i) => `${i + 1}. ${c}`).join('\n')}\n/help lists every command; /help round shows one with its options.`),
    ],
  };
}
