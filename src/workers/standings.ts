// The standings thread: the cold recount of a round (issue 13) holds the CPU for up to seconds on a large round, so
// it runs here, and the bot's event loop only rebuilds the answer, in chunks. Two requests: `read` opens the SQLite
// file itself (read-only, one snapshot per read, beside the bot's writer thanks to WAL), so the bot reads nothing;
// `compute` is fed the counts the bot read (PostgreSQL, a database in memory).
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { reportOf } from '../core/report.ts';
import { packReport, unpackRound, type PackedReport, type PackedRound } from '../core/standings-transfer.ts';
import type { Database } from '../db/schema.ts';
import { readMaintainedRound, roundVersion } from '../db/standings.ts';
import { serve, type Moved } from './thread.ts';

export type StandingsRequest = { kind: 'read'; file: string; roundId: string } | { kind: 'compute'; round: PackedRound };
/** The report, and for a read the version of the snapshot it was computed from. */
export interface StandingsAnswer {
  version?: string;
  report: PackedReport;
}

const connections = new Map<string, Kysely<Database>>();
const connectionTo = (file: string) => {
  let db = connections.get(file);
  if (!db) connections.set(file, (db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file, { readonly: true, fileMustExist: true }) }) })));
  return db;
};

serve(async (request: StandingsRequest): Promise<Moved<StandingsAnswer>> => {
  if (request.kind === 'compute') {
    const round = unpackRound(request.round);
    const { packed, transfer } = packReport(reportOf(round, round.contributions, round.choices), round, round.choices);
    return { value: { report: packed }, transfer };
  }
  // the version and the state in one read transaction: the state is the version's
  const { version, round } = await connectionTo(request.file)
    .transaction()
    .execute(async (trx) => ({ version: await roundVersion(trx, request.roundId), round: await readMaintainedRound(trx, request.roundId) }));
  if (!version) throw new Error(`round ${request.roundId} has no version: it does not exist`);
  const { packed, transfer } = packReport(reportOf(round, round.contributions, round.choices), round, round.choices);
  return { value: { version: version.version, report: packed }, transfer };
});
