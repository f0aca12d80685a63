// The standings thread: the cold recount of a round (issue 13) holds the CPU for up to seconds on a large round, so
// it runs here, and the bot's event loop only rebuilds the answer, in chunks. Two requests: `read` opens the database
// itself (the SQLite file or the PostgreSQL URL; read-only, one snapshot per read), so the bot reads nothing, and
// keeps the state it read, to read again only the counts and choices changed since; `compute` is fed the counts the
// bot read (a database in memory, or a read whose snapshot was not the caller's version).
import { reportOf } from '../core/report.ts';
import { packReport, unpackRound, type PackedReport, type PackedRound } from '../core/standings-transfer.ts';
import { applyChangesSince, readMaintainedRound, roundVersion, type MaintainedRound } from '../db/standings.ts';
import { inSnapshot } from './readonly.ts';
import { serve, type Moved } from './thread.ts';

/** `rewards: false`: the report of standings only, without the reward split (packReport). */
export type StandingsRequest = ({ kind: 'read'; source: string; roundId: string } | { kind: 'compute'; round: PackedRound }) & { rewards: boolean };
/** The report, and for a read the version of the snapshot it was computed from. */
export interface StandingsAnswer {
  version?: string;
  report: PackedReport;
}

/** The state of the rounds read last, by file and round, as of `seq` in `shape`. */
const kept = new Map<string, { shape: string; seq: number; round: MaintainedRound }>();
const KEPT_ROUNDS = 8;

serve(async (request: StandingsRequest): Promise<Moved<StandingsAnswer>> => {
  if (request.kind === 'compute') {
    const round = unpackRound(request.round);
    const { packed, transfer } = packReport(reportOf(round, round.contributions, round.choices), round, round.choices, request);
    return { value: { report: packed }, transfer };
  }
  // the version and the state in one read transaction: the state is the version's
  const key = `${request.source}\n${request.roundId}`;
  const { version, round } = await inSnapshot(request.source, async (trx) => {
    const version = await roundVersion(trx, request.roundId);
    if (!version) throw new Error(`round ${request.roundId} has no version: it does not exist`);
    let state = kept.get(key);
    kept.delete(key);
    if (state?.shape === version.shape) {
      if (state.seq !== version.seq) await applyChangesSince(trx, request.roundId, state.round, state.seq);
      state.seq = version.seq;
    } else state = { shape: version.shape, seq: version.seq, round: await readMaintainedRound(trx, request.roundId) };
    kept.set(key, state);
    if (kept.size > KEPT_ROUNDS) kept.delete(kept.keys().next().value!);
    return { version, round: state.round };
  });
  // the choices move to the bot thread with the report: a copy, since the state keeps its own
  const choices = round.choices.map((c) => c.slice());
  const { packed, transfer } = packReport(reportOf(round, round.contributions, choices), round, choices, request);
  return { value: { version: version.version, report: packed }, transfer };
});
