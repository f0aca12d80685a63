import { setTimeout as sleep } from 'node:timers/promises';
import type { Actor } from '../../commands/context.ts';
import { messagesOf } from '../../db/chat.ts';
import { findRound } from '../../db/repositories.ts';
import type { Community } from '../../db/schema.ts';
import type { Logger } from '../../log.ts';
import type { ChatRuntime } from '../runtime.ts';
import { renderForTelegram } from './render.ts';

/** The leaderboard reads the standings; the bot asks as a member would, and nothing is written for it. */
const READER: Actor = { platform: 'telegram', userId: 'leaderboard', handle: 'leaderboard', isModerator: false };

/**
 * Telegram bots cannot give roles, so a group's tiers show in a pinned leaderboard: the latest /leaderboard posted in the
 * group is pinned, and edited a moment after the group's last update whenever the standings it shows moved.
 */
export class PinnedLeaderboards {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** What each pinned message shows now, so that an edit is only asked for when it changed. */
  private readonly shown = new Map<string, string>();
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly runtime: ChatRuntime,
    private readonly edit: (chatId: number, messageId: number, html: string) => Promise<void>,
    private readonly log: Logger,
    private readonly debounceMs = 3000,
  ) {}

  touch(community: Community): void {
    clearTimeout(this.timers.get(community.id));
    const timer = setTimeout(() => {
      this.timers.delete(community.id);
      this.running = this.running.then(() => this.refresh(community)).catch((error: unknown) => this.log.warn('could not update the pinned leaderboard', { community: community.platform_chat_id, error: String(error) }));
    }, this.debounceMs);
    timer.unref();
    this.timers.set(community.id, timer);
  }

  /** Resolves when no refresh is due or running (tests). */
  async idle(): Promise<void> {
    while (this.timers.size > 0) await sleep(Math.max(10, this.debounceMs / 2));
    await this.running;
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
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
