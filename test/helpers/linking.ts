import { afterEach, beforeEach } from 'vitest';
import { openChallenge } from '../../src/chain/siwe.ts';
import type { Db } from '../../src/db/database.ts';
import { ensureCommunity, ensureMember, type Executor } from '../../src/db/repositories.ts';
import type { Community, MemberRow } from '../../src/db/schema.ts';
import { freshDb } from './db.ts';

// The world of the wallet-linking tests (SIWE and CIP-8 alike), made afresh for each test by linkingWorldEachTest():
// a Telegram community with two members. Exported as live bindings, so a test reads the current test's.
export let db: Db;
export let community: Community;
export let aliceMember: MemberRow;
export let bobMember: MemberRow;

export function linkingWorldEachTest(): void {
  beforeEach(async () => {
    db = await freshDb();
    community = await ensureCommunity(db, { platform: 'telegram', chatId: '-100', name: 'Test DAO' });
    aliceMember = await ensureMember(db, community.id, { platform: 'telegram', userId: '101', handle: 'alice' });
    bobMember = await ensureMember(db, community.id, { platform: 'telegram', userId: '102', handle: 'bob' });
  });
  afterEach(() => db.destroy());
}

/** Writes the message of a challenge for an address: messageFor (EIP-4361) or cardanoMessageFor (CIP-8). */
type MessageWriter<Site> = (db: Executor, token: string, address: string, site: Site, now: Date) => Promise<string>;

/** A challenge for a member with its message for an address. */
export async function challenge<Site>(member: MemberRow, address: string, site: Site, now: Date, writeMessage: MessageWriter<Site>) {
  const { token } = await openChallenge(db, community, member, now);
  return { token, message: await writeMessage(db, token, address, site, now) };
}

/** The message to sign, out of the console's answer to /verify address:… (either chain). */
export const messageIn = (said: string) => said.slice(said.indexOf('govbot.example.org wants you'), said.indexOf('\nThen send')).trimEnd();
