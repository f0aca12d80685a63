import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_schedule.ts';
import * as m0003 from './0003_chat.ts';
import * as m0004 from './0004_privacy.ts';
import * as m0005 from './0005_wallets.ts';
import * as m0006 from './0006_append_only_audit.ts';
import * as m0007 from './0007_outbox.ts';
import * as m0008 from './0008_published_rewards.ts';
import * as m0009 from './0009_standings.ts';
import * as m0011 from './0011_leases.ts';
import * as m0013 from './0013_pairwise.ts';
import * as m0014 from './0014_polls.ts';
import * as m0015 from './0015_tier_roles.ts';
import * as m0016 from './0016_payout_wallet.ts';
import * as m0017 from './0017_delegation_reminders.ts';
import * as m0018 from './0018_poll_types.ts';
import * as m0019 from './0019_telegram_inbox.ts';
import * as m0020 from './0020_vote_path.ts';
import * as m0021 from './0021_snapshot_times.ts';

/** Every migration, in order; listed statically so that bundling or a changed working directory cannot lose one. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_schedule': m0002,
  '0003_chat': m0003,
  '0004_privacy': m0004,
  '0005_wallets': m0005,
  '0006_append_only_audit': m0006,
  '0007_outbox': m0007,
  '0008_published_rewards': m0008,
  '0009_standings': m0009,
  '0011_leases': m0011,
  '0013_pairwise': m0013,
  '0014_polls': m0014,
  '0015_tier_roles': m0015,
  '0016_payout_wallet': m0016,
  '0017_delegation_reminders': m0017,
  '0018_poll_types': m0018,
  '0019_telegram_inbox': m0019,
  '0020_vote_path': m0020,
  '0021_snapshot_times': m0021,
};
