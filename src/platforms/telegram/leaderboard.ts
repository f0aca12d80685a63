import type { Actor } from '../../commands/context.ts';
import { messagesOf } from '../../db/chat.ts';
import { findRound } from '../../db/repositories.ts';
import type { Community } from '../../db/schema.ts';
import type { Logger } from '../../log.ts';
import { Debounced } from '../debounce.ts';
import type { ChatRuntime } from '../runtime.ts';
import { renderForTelegram } from './render.ts';

/** The leaderboard reads the standings; the bot asks as a member would, and nothing is written for it. */
const READER: Actor = { platform: 'telegram', userId: 'leaderboard', handle: 'leaderboard', isModerator: false };

/**
 * Telegram bots cannot give roles, so a group's tiers show in a pinned leaderboard: the latest /leaderboard posted in the
 * group is pinned, and edited a moment after the group's last update whenever the standings it shows moved.
 */
export class PinnedLeaderboards {
  /** What each pinned message shows now, so that an edit is only asked for when it changed. */
  private readonly shown = new Map<string, string>();
  private readonly due: Debounced;

  constructor(
    private readonly runtime: ChatRuntime,
    private readonly edit: (chatId: number, messageId: number, html: string) => Promise<void>,
    private readonly log: Logger,
    debounceMs = 3000,
  ) {
    this.due = new Debounced(debounceMs);
  }

  touch(community: Community): void {
    this.due.touch(
      community.id,
      () => this.refresh(community),
      (error) => this.log.warn('could not update the pinned leaderboard', { community: community.platform_chat_id, error: String(error) }),
    );
  }

  /** Resolves when no refresh is due or running (tests). */
  idle(): Promise<void> {
    return this.due.idle();
  }

  stop(): void {
    this.due.stop();
  }

  private async refresh(community: Community): Promise<void> {
    const db = this.runtime.services.db;
    const round = await findRound(db, community.id);
    if (!round) return;
    const refs = await messagesOf(db, community.id, { kind: 'leaderboard', round: round.key, key: round.key });
    const latest = refs.map((r) => r.split(':')).filter(([kind]) => kind === 'message').sort((a, b) => Number(a[2]) - Number(b[2])).at(-1);
    if (!latest) return;
    const reply = await this.runtime.run(community, READER, { name: 'leaderboard', options: { round: round.key } }, { announce: async () => undefined, chatProblems: async () => [] });
    const [html] = renderForTelegram(reply);
    const ref = latest.join(':');
    if (!html || this.shown.get(ref) === html) return;
    await this.edit(Number(latest[1]), Number(latest[2]), html);
    this.shown.set(ref, html);
  }
}
