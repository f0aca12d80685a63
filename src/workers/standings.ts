// The standings thread: the cold recount of a round (issue 13) holds the CPU for up to seconds on a large round, so
// it runs here, and the bot's event loop only rebuilds the answer, in chunks. Two sources: `read` opens the database
// itself (the SQLite file or the PostgreSQL URL; read-only, one snapshot per read), so the bot reads nothing, and
// keeps the state it read, to read again only the counts and choices changed since; `compute` is fed the counts the
// bot read (a database in memory, or a read whose snapshot was not the caller's version). What is asked: the whole
// report, or only what a command shows (one member's standing, the top of the leaderboard, the tallies, the top of the
// reward split), answered from the standings this thread keeps between reads (src/core/standings-state.ts) and small
// to move.
import { reportOf } from '../core/report.ts';
import { StandingsState, type StandingsAnswers, type StandingsAsk } from '../core/standings-state.ts';
import { packReport, packStrings, unpackRound, type PackedReport, type PackedRound, type PackedStrings } from '../core/standings-transfer.ts';
import { applyChangesSince, readMaintainedRound, roundVersion, type MaintainedRound, type RoundVersion } from '../db/standings.ts';
import { inSnapshot, readOnlyConnection } from './readonly.ts';
import { serve, type Moved } from './thread.ts';

/** What a request asks for; `report` with `rewards: false`: standings only, without the reward split (packReport). */
export type Ask = { kind: 'report'; rewards: boolean } | Exclude<StandingsAsk, { kind: 'tiers' }> | { kind: 'tiers'; idsOf?: string };
/**
 * The answer to each kind of ask. With the tiers come the members' keys by position, unless the bot holds them for the
 * snapshot's shape version (`idsOf`): they change only with it, and are 100,000 strings on a large round.
 */
export type Answers = Omit<StandingsAnswers, 'tiers'> & { report: PackedReport; tiers: StandingsAnswers['tiers'] & { shape?: string; ids?: PackedStrings } };
export type StandingsRequest = ({ kind: 'read'; source: string; roundId: string } | { kind: 'compute'; round: PackedRound }) & { ask: Ask };
/** The answer, and for a read the version and standings version of the snapshot it was computed from. */
export interface StandingsAnswer {
  version?: string;
  standings?: string;
  answer: Answers[Ask['kind']];
}

/** The state of a round read last, as of `seq` in `shape`, and the standings kept from it (built on the first ask). */
interface Kept {
  shape: string;
  seq: number;
  round: MaintainedRound;
  kept?: { state: StandingsState; seq: number; standings: string };
}
/** By file and round. */
const kept = new Map<string, Kept>();
const KEPT_ROUNDS = 8;

serve(async (request: StandingsRequest): Promise<Moved<StandingsAnswer>> => {
  if (request.kind === 'compute') {
    const round = unpackRound(request.round);
    return answer(request.ask, round, () => new StandingsState(round));
  }
  const key = `${request.source}\n${request.roundId}`;
  const { version, entry } = (await unchanged(request.source, request.roundId, key)) ?? (await readSince(request.source, request.roundId, key));
  const state = () => {
    const standings = entry.kept;
    if (!standings) return (entry.kept = { state: new StandingsState(entry.round), seq: version.seq, standings: version.standings }).state;
    // a member's standing waits for no vote counted since: votes move no points (the tallies and the split count votes)
    const counts = standings.standings !== version.standings;
    if (standings.seq !== version.seq && (counts || request.ask.kind === 'tallies' || request.ask.kind === 'rewards')) {
      standings.state.update({ counts });
      Object.assign(standings, { seq: version.seq, standings: version.standings });
    }
    return standings.state;
  };
  const { value, transfer } = answer(request.ask, entry.round, state, version.shape);
  return { value: { version: version.version, standings: version.standings, ...value }, transfer };
});

/**
 * The round's state as kept, with its version, when nothing was written since it was read (the same shape and seq:
 * see RoundVersion): one read of the version, no snapshot opened (a read transaction is three round trips on PostgreSQL).
 */
async function unchanged(source: string, roundId: string, key: string): Promise<{ version: RoundVersion; entry: Kept } | undefined> {
  const entry = kept.get(key);
  if (!entry) return undefined;
  const version = await roundVersion(readOnlyConnection(source), roundId);
  if (version?.shape !== entry.shape || version.seq !== entry.seq) return undefined;
  remember(key, entry);
  return { version, entry };
}

/** The version and the state in one read transaction, the state brought up to the version (or read whole): the state is the version's. */
function readSince(source: string, roundId: string, key: string): Promise<{ version: RoundVersion; entry: Kept }> {
  return inSnapshot(source, async (trx) => {
    const version = await roundVersion(trx, roundId);
    if (!version) throw new Error(`round ${roundId} has no version: it does not exist`);
    let entry = kept.get(key);
    if (entry?.shape === version.shape) {
      if (entry.seq !== version.seq) await applyChangesSince(trx, roundId, entry.round, entry.seq);
      entry.seq = version.seq;
    } else entry = { shape: version.shape, seq: version.seq, round: await readMaintainedRound(trx, roundId) };
    remember(key, entry);
    return { version, entry };
  });
}

/** Keeps a round's state, last used last; the least recently used dropped past KEPT_ROUNDS. */
function remember(key: string, entry: Kept): void {
  kept.delete(key);
  kept.set(key, entry);
  if (kept.size > KEPT_ROUNDS) kept.delete(kept.keys().next().value!);
}

function answer(ask: Ask, round: MaintainedRound | ReturnType<typeof unpackRound>, state: () => StandingsState, shape?: string): Moved<StandingsAnswer> {
  switch (ask.kind) {
    case 'report': {
      // the choices move to the bot thread with the report: a copy, since the state keeps its own
      const choices = round.choices.map((c) => c.slice());
      const { packed, transfer } = packReport(reportOf(round, round.contributions, choices), round, choices, ask);
      return { value: { answer: packed }, transfer };
    }
    case 'tiers': {
      const tiers = state().answer(ask);
      const ids = shape === undefined || ask.idsOf !== shape ? packStrings(round.members.map((m) => m.id)) : undefined;
      return { value: { answer: { ...tiers, ...(shape && { shape }), ...(ids && { ids }) } }, transfer: [tiers.levels.buffer as ArrayBuffer, ...(ids ? [ids.ends.buffer as ArrayBuffer] : [])] };
    }
    default:
      return { value: { answer: state().answer(ask) } };
  }
}
