import { DiscordAPIError, Routes, type Client } from 'discord.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../db/database.ts';
import { findRound } from '../../db/repositories.ts';
import { memberStandings } from '../../db/standings.ts';
import type { Logger } from '../../log.ts';
import { Debounced } from '../debounce.ts';

export interface TierRoleOptions {
  /** Reputation moves in bursts (a thread of comments): a server is synced this long after its last event. */
  debounceMs?: number;
  /** Pause between two role changes, below Discord's rate limit on member edits (discord.js waits out any 429 too). */
  gapMs?: number;
}

/**
 * Keeps members' Discord roles in step with their reputation tiers in the server's latest round: the role a tier is
 * mapped to (`/round config key:tiers.roles`, created here when asked for) is given to the members of that tier and
 * taken from those who left it. What was given is stored (tier_role_grants), so a sync changes only what moved, and one
 * after a restart re-checks every member. A refusal (no Manage Roles, a role above the bot's) stops that server's sync
 * with one error line saying what to fix; the next event tries again.
 */
export class TierRoles {
  /** Servers whose members' roles are read back from Discord at the next sync (after a restart). */
  private readonly verifying = new Set<string>();
  private readonly due: Debounced;
  /** How the syncs are paced (DISCORD_TIER_ROLE_DEBOUNCE_MS, DISCORD_TIER_ROLE_GAP_MS). */
  readonly pacing: Required<TierRoleOptions>;

  constructor(
    private readonly client: Client,
    private readonly db: Db,
    private readonly log: Logger,
    options: TierRoleOptions = {},
  ) {
    this.pacing = { debounceMs: options.debounceMs ?? 2000, gapMs: options.gapMs ?? 250 };
    this.due = new Debounced(this.pacing.debounceMs);
  }

  /** Something in the server may have moved reputation: it is synced once things have been quiet for a moment. */
  touch(guildId: string, verify = false): void {
    // A re-check asked for and not yet run stays asked for when an event touches the server meanwhile.
    if (verify) this.verifying.add(guildId);
    this.due.touch(
      guildId,
      () => this.sync(guildId, this.verifying.delete(guildId)),
      (error) => this.log.error('tier roles sync failed', { guild: guildId, error: String(error) }),
    );
  }

  /**
   * Every server with tier roles, as after a restart: tiers may have moved while the bot was down, and roles been given
   * or taken by hand, so each member's roles are read back from Discord this once.
   */
  async recheckAll(): Promise<void> {
    const rows = await this.db.selectFrom('tier_roles').innerJoin('communities', 'communities.id', 'tier_roles.community_id').select('communities.platform_chat_id').where('communities.platform', '=', 'discord').distinct().execute();
    for (const { platform_chat_id } of rows) this.touch(platform_chat_id, true);
  }

  /** Resolves when no sync is due or running (tests, stop). */
  idle(): Promise<void> {
    return this.due.idle();
  }

  stop(): void {
    this.due.stop();
  }

  private async sync(guildId: string, verify = false): Promise<void> {
    const db = this.db;
    const community = await db.selectFrom('communities').selectAll().where('platform', '=', 'discord').where('platform_chat_id', '=', guildId).executeTakeFirst();
    if (!community) return;
    const mapped = await db.selectFrom('tier_roles').selectAll().where('community_id', '=', community.id).execute();
    const round = mapped.length ? await findRound(db, community.id) : undefined;
    if (!round) return;
    try {
      const roleOf = new Map<string, string>();
      for (const { tier, role_id } of mapped) roleOf.set(tier, role_id ?? (await this.createRole(community.id, guildId, tier)));
      const accounts = await db
        .selectFrom('member_accounts')
        .innerJoin('members', 'members.id', 'member_accounts.member_id')
        .select(['member_accounts.platform_user_id as user', 'members.key'])
        .where('member_accounts.community_id', '=', community.id)
        .where('member_accounts.platform', '=', 'discord')
        .execute();
      const given = new Map((await db.selectFrom('tier_role_grants').selectAll().where('community_id', '=', community.id).execute()).map((g) => [g.platform_user_id, g]));
      const tierRoles = new Set(roleOf.values());
      // the tiers the standings thread keeps (once per standings version), not a whole report
      const standingOf = await memberStandings(db, round.id);
      for (const { user, key } of accounts) {
        const tier = standingOf(key)?.tier ?? undefined;
        const role = tier === undefined ? undefined : roleOf.get(tier);
        const before = given.get(user);
        // The tier roles the member holds: as the bot gave them, or as Discord says when re-checking.
        const held = verify ? await this.heldRoles(guildId, user, tierRoles) : before ? [before.role_id] : [];
        if (held.length === (role ? 1 : 0) && (role === undefined || held[0] === role) && before?.role_id === role) continue;
        for (const other of held.filter((r) => r !== role)) await this.change('DELETE', guildId, user, other);
        if (role && !held.includes(role)) await this.change('PUT', guildId, user, role);
        await db.deleteFrom('tier_role_grants').where('community_id', '=', community.id).where('platform_user_id', '=', user).execute();
        if (role && tier) await db.insertInto('tier_role_grants').values({ community_id: community.id, platform_user_id: user, tier, role_id: role }).execute();
      }
    } catch (error) {
      if (!(error instanceof DiscordAPIError && error.status === 403)) throw error;
      this.log.error('tier roles: Discord refused a role change; give the bot Manage Roles and move its role above the tier roles', { guild: guildId, error: `${error.status} ${error.message} (code ${error.code})` });
    }
  }

  private async heldRoles(guildId: string, userId: string, tierRoles: Set<string>): Promise<string[]> {
    try {
      const member = (await this.client.rest.get(Routes.guildMember(guildId, userId))) as { roles: string[] };
      return member.roles.filter((r) => tierRoles.has(r));
    } catch (error) {
      // A member who left the server holds nothing.
      if (error instanceof DiscordAPIError && error.code === 10007) return [];
      throw error;
    }
  }

  private async createRole(communityId: string, guildId: string, tier: string): Promise<string> {
    const role = (await this.client.rest.post(Routes.guildRoles(guildId), { body: { name: `Tier ${tier}`, mentionable: false }, reason: `govbot: reputation tier ${tier}` })) as { id: string };
    await this.db.updateTable('tier_roles').set({ role_id: role.id }).where('community_id', '=', communityId).where('tier', '=', tier).execute();
    return role.id;
  }

  private async change(method: 'PUT' | 'DELETE', guildId: string, userId: string, roleId: string): Promise<void> {
    const route = Routes.guildMemberRole(guildId, userId, roleId);
    const reason = 'govbot: reputation tier changed';
    try {
      await (method === 'PUT' ? this.client.rest.put(route, { reason }) : this.client.rest.delete(route, { reason }));
    } catch (error) {
      // A member who left the server has nothing to give or take; a role deleted by hand, nothing to take back.
      if (!(error instanceof DiscordAPIError && (error.code === 10007 || (error.code === 10011 && method === 'DELETE')))) throw error;
    }
    await sleep(this.pacing.gapMs);
  }
}
