import { z } from 'zod';
import { REACTION_KINDS, type ReactionKind } from '../core/types.ts';


/** Which emoji count as which feedback; any other emoji is ignored. Set with REACTION_EMOJI. */
export const reactionEmojiSchema = z.strictObject({
  upvote: z.array(z.string().min(1).max(64)).max(50),
  positive: z.array(z.string().min(1).max(64)).max(50),
  negative: z.array(z.string().min(1).max(64)).max(50),
});
export type ReactionEmoji = z.output<typeof reactionEmojiSchema>;

// Telegram offers a fixed set of reaction emoji; these defaults are all in it, and Discord shows the same ones.
export const DEFAULT_REACTION_EMOJI: ReactionEmoji = {
  upvote: ['👍'],
  positive: ['❤', '❤️', '🔥', '👏', '🎉', '💯', '🏆', '🙏', '👌', '🤩', '😍', '❤‍🔥'],
  negative: ['👎', '💩', '🤮', '🤬', '😡', '🤡', '💔'],
};

/** The feedback kinds a set of emoji stands for. */
export function reactionKinds(map: ReactionEmoji, emojis: Iterable<string>): Set<ReactionKind> {
  const kinds = new Set<ReactionKind>();
  for (const emoji of emojis) for (const kind of REACTION_KINDS) if (map[kind].includes(emoji)) kinds.add(kind);
  return kinds;
}

/** What changed between the emoji a member had on a message and the ones they have now. */
export function reactionChanges(map: ReactionEmoji, before: Iterable<string>, after: Iterable<string>): { added: ReactionKind[]; removed: ReactionKind[] } {
  const was = reactionKinds(map, before);
  const is = reactionKinds(map, after);
  return { added: [...is].filter((k) => !was.has(k)), removed: [...was].filter((k) => !is.has(k)) };
}
