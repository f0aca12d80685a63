// The page thread: builds the files of a large round's results page (issue 13). Reading every event of a round of
// 100,000 members, computing its public report and laying out its page hold a thread for seconds; here that thread is
// not the bot's. It reads the database itself (the SQLite file or the PostgreSQL URL; read-only, one snapshot per file
// built), so the bot reads nothing,
// and hands back the bytes, raw and gzip-compressed, moved rather than copied.
import { loadPublicRound } from '../results/public.ts';
import { buildFile, type BuiltFile, type SiteFacts } from '../web/results.ts';
import { inSnapshot } from './readonly.ts';
import { serve } from './thread.ts';

export interface PageRequest {
  /** The database: an SQLite file or a PostgreSQL URL. */
  source: string;
  roundId: string;
  /** The file of the round: '' for the page, 'report.json', … (see fileOf in src/web/results.ts). */
  name: string;
  /** The state of the round the bot read before asking (stateOf): files asked for under one key share one read. */
  key: string;
  site: SiteFacts;
}

/**
 * The public round read last, by file, round and state: the page, its report JSON and its preview image, asked for
 * one after the other, read the round once. Forgotten after a while: a large round holds hundreds of MiB.
 */
let last: { id: string; pub: ReturnType<typeof loadPublicRound>; forget: NodeJS.Timeout } | undefined;
const KEEP_MS = 60_000;

/** A buffer of its own: a small Buffer is a view of a shared pool, which must not be moved to another thread. */
const own = (bytes: Uint8Array) => (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice());

serve(async ({ source, roundId, name, key, site }: PageRequest) => {
  const built: BuiltFile | undefined = await inSnapshot(source, async (trx) => {
    const round = await trx.selectFrom('rounds').selectAll().where('id', '=', roundId).executeTakeFirstOrThrow();
    const id = `${source}\n${roundId}\n${key}`;
    if (last?.id !== id) {
      if (last) clearTimeout(last.forget);
      const pub = loadPublicRound(trx, round);
      const entry = { id, pub, forget: setTimeout(() => last === entry && (last = undefined), KEEP_MS).unref() };
      last = entry;
      // a read that fails is not kept: the next request reads again
      pub.catch(() => last === entry && (last = undefined));
    }
    return buildFile(trx, round, name, site, last.pub);
  });
  if (!built) return { value: undefined };
  const raw = own(built.raw);
  const gzip = own(built.gzip);
  return { value: { ...built, raw, gzip }, transfer: [raw.buffer as ArrayBuffer, gzip.buffer as ArrayBuffer] };
});
