import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeReport, reportJson } from '../../src/core/report.ts';
import { ensureCommunity, findRound, importRound, loadRoundData, RoundExistsError, WalletTakenError } from '../../src/db/repositories.ts';
import { parseRoundFile, parseRoundFileText, serializeRoundFile } from '../../src/roundfile/schema.ts';
import { freshDb } from '../helpers/db.ts';
import { arbitraryRoundFile, member, round, tokens } from '../helpers/round.ts';

const sampleText = readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8');
const where = { platform: 'console', chatId: 'default', name: 'console' };

async function roundTrip(data: ReturnType<typeof parseRoundFile>) {
  const db = await freshDb();
  const community = await ensureCommunity(db, where);
  const row = await importRound(db, community.id, data);
  const exported = serializeRoundFile(await loadRoundData(db, row));
  await db.destroy();
  return exported;
}

describe('import and export', () => {
  it('GIVEN the sample round THEN export after import replays to the same report', async () => {
    const data = parseRoundFileText(sampleText);
    const exported = await roundTrip(data);
    expect(reportJson(computeReport(parseRoundFileText(exported)))).toBe(reportJson(computeReport(data)));
    // and exporting the export changes nothing: the stored order is stable
    expect(await roundTrip(parseRoundFileText(exported))).toBe(exported);
  });

  it('PROPERTY export/import round-trips: same members, same lists, same replay', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryRoundFile, async (file) => {
        const data = parseRoundFile(file);
        const back = parseRoundFileText(await roundTrip(data));
        expect(reportJson(computeReport(back))).toBe(reportJson(computeReport(data)));
        expect(back.members.map((m) => m.id).sort()).toEqual(data.members.map((m) => m.id).sort());
        expect(back.votes.length).toBe(data.votes.length);
        expect(back.ratings.length).toBe(data.ratings.length);
        expect(back.reactions.length).toBe(data.reactions.length);
      }),
      { numRuns: 40 },
    );
  });

  it('GIVEN a round that exists THEN a second import is refused and changes nothing; with replace it is loaded again', async () => {
    const db = await freshDb();
    const community = await ensureCommunity(db, where);
    const data = round({ members: [member('a', tokens(1))] });
    await importRound(db, community.id, data);
    await expect(importRound(db, community.id, data)).rejects.toBeInstanceOf(RoundExistsError);
    const replaced = await importRound(db, community.id, { ...data, round: { ...data.round, name: 'Renamed' } }, { replace: true });
    expect((await findRound(db, community.id, 'r1'))!.name).toBe('Renamed');
    expect(await db.selectFrom('rounds').select('id').execute()).toEqual([{ id: replaced.id }]);
    const audit = await db.selectFrom('audit_log').select('action').orderBy('at').execute();
    expect(audit.map((a) => a.action)).toEqual(['round.imported', 'round.reimported']);
    await db.destroy();
  });

  it('GIVEN a wallet another member holds THEN the import fails whole and nothing is stored', async () => {
    const db = await freshDb();
    const community = await ensureCommunity(db, where);
    await importRound(db, community.id, round({ members: [member('a', tokens(1))] }));
    const second = round({ members: [{ ...member('b'), wallets: member('a', tokens(2)).wallets }] });
    const err = await importRound(db, community.id, { ...second, round: { ...second.round, id: 'r2' } }).catch((e) => e);
    expect(err).toBeInstanceOf(WalletTakenError);
    expect(err.message).toMatch(/already belongs to member a/);
    expect(await findRound(db, community.id, 'r2')).toBeUndefined();
    expect((await db.selectFrom('members').select('key').execute()).map((m) => m.key)).toEqual(['a']);
    await db.destroy();
  });

  it('GIVEN two rounds in one community THEN they share members and wallets but keep their own balances', async () => {
    const db = await freshDb();
    const community = await ensureCommunity(db, where);
    const r1 = round({ members: [member('a', tokens(1))] });
    const r2 = round({ members: [member('a', tokens(5)), member('b')] });
    const row1 = await importRound(db, community.id, r1);
    const row2 = await importRound(db, community.id, { ...r2, round: { ...r2.round, id: 'r2' } });
    expect((await loadRoundData(db, row1)).members.map((m) => [m.id, m.wallets[0]?.balance])).toEqual([['a', BigInt(tokens(1))]]);
    expect((await loadRoundData(db, row2)).members.map((m) => [m.id, m.wallets[0]?.balance])).toEqual([['a', BigInt(tokens(5))], ['b', undefined]]);
    expect(await db.selectFrom('wallets').select('id').execute()).toHaveLength(1);
    await db.destroy();
  });
});
