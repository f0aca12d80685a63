import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { computeReport, reportJsonPieces } from '../core/report.ts';
import { createConfig, ConfigError, type Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import { RoundExistsError, WalletTakenError } from '../db/errors.ts';
import { renderReport } from '../format/report.ts';
import { ProgressLine } from '../format/progress.ts';
import { readColumns, readRoundFileBytes } from '../roundfile/columns.ts';
import { isPairwiseFile } from '../roundfile/pairwise.ts';
import { indexRoundFileBytes, parseRoundFileBytes, RoundFileError, serializeRoundFile } from '../roundfile/schema.ts';
import { PairwiseError } from '../core/pairwise/types.ts';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Standard error is a terminal: long work draws a progress bar there, else it writes plain lines. */
  errIsTTY?: boolean;
}

/** A mistake in how govbot was called or in what it was given: printed as is, exit code 1. */
export class CliError extends Error {}

const USAGE = `usage: govbot <command>

  start                          migrate the database, then run the bot (a console chat when no
                                 platform token is set)
  replay FILE [--json]           recompute every result of a round file (governance or pairwise)
  pairwise next FILE --juror ID [--count N] [--json]
                                 the next pairs the bot would ask that juror in a pairwise round
  pairwise score FILE SUBMISSION.json|csv [--json]
                                 score a weight vector on the round's held-out comparisons
  import FILE [--replace] [--community PLATFORM:CHAT]
                                 load a round file into the database
  export ROUND [--out FILE] [--community PLATFORM:CHAT]
                                 write a round back out as a round file
  migrate [up|down|status]       apply, undo the last, or list migrations
`;

const communityOption = z
  .string()
  .regex(/^[a-z]+:.+$/, 'a community is PLATFORM:CHAT, such as console:default or telegram:-100123')
  .default('console:default')
  .transform((s) => {
    const [platform, ...chat] = s.split(':');
    return { platform: platform!, chatId: chat.join(':'), name: s };
  });

export function parse<S extends z.ZodType>(args: string[], spec: ParseArgsConfig['options'], schema: S): z.output<S> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: spec ?? {}, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${USAGE}`);
  }
  const result = schema.safeParse({ ...parsed.values, positionals: parsed.positionals });
  if (!result.success) throw new CliError(result.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('\n'));
  return result.data;
}

export async function readRoundBytes(path: string): Promise<Buffer> {
  try {
    return await readRoundFileBytes(path);
  } catch (e) {
    throw new CliError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The database code loads only for the commands that use it: kysely alone takes a third of a second to load. */
const store = async () => ({ ...(await import('../db/database.ts')), ...(await import('../db/repositories.ts')) });

async function withDatabase<T>(config: Config, work: (db: Db, repo: Awaited<ReturnType<typeof store>>) => Promise<T>): Promise<T> {
  const repo = await store();
  const { openDatabase, migrateToLatest } = repo;
  const db = await openDatabase(config.DATABASE_URL);
  try {
    await migrateToLatest(db);
    return await work(db, repo);
  } finally {
    await db.destroy();
  }
}

const fileArg = z.tuple([z.string({ error: 'name the round file' })], { error: 'name exactly one round file' });

const commands: Record<string, (args: string[], io: CliIo, config: () => Config) => Promise<void>> = {
  async replay(args, io) {
    const opts = parse(args, { json: { type: 'boolean' } }, z.object({ json: z.boolean().optional(), positionals: fileArg }));
    const bytes = await readRoundBytes(opts.positionals[0]);
    // The columns vouch only for a valid governance round, whose schema is strict all through (no "kind" anywhere), so
    // the search for a pairwise file's kind waits until they decline: it is a first pass over every page of the file,
    // which on the bench machine costs 0.25 s at 110 MiB before anything else could start.
    const columns = await readColumns(bytes);
    if (!columns && isPairwiseFile(bytes)) return io.out((await import('./pairwise.ts')).replayPairwise(bytes, opts.json ?? false));
    const report = computeReport(columns ?? indexRoundFileBytes(bytes));
    if (!opts.json) return io.out(renderReport(report));
    for (const piece of reportJsonPieces(report)) io.out(piece);
  },

  async pairwise(args, io) {
    io.out(await (await import('./pairwise.ts')).runPairwise(args));
  },

  async import(args, io, config) {
    const opts = parse(
      args,
      { replace: { type: 'boolean' }, community: { type: 'string' } },
      z.object({ replace: z.boolean().optional(), community: communityOption, positionals: fileArg }),
    );
    const progress = new ProgressLine({ write: io.err, isTTY: io.errIsTTY ?? false }, `importing ${opts.positionals[0]}`);
    const data = parseRoundFileBytes(await readRoundBytes(opts.positionals[0]));
    let took = '';
    // A refused import clears its bar too, before the error is printed.
    await withDatabase(config(), async (db, { ensureCommunity, importRound }) => {
      const community = await ensureCommunity(db, opts.community);
      await importRound(db, community.id, data, { replace: opts.replace ?? false, onProgress: (done, total) => progress.update(done, total) });
    }).finally(() => (took = progress.finish()));
    io.out(
      `imported round ${data.round.id}: ${data.members.length} members, ${data.proposals.length} proposals, ${data.comments.length} comments, ${data.votes.length} votes in ${took}\n`,
    );
  },

  async export(args, io, config) {
    const opts = parse(
      args,
      { out: { type: 'string' }, community: { type: 'string' } },
      z.object({ out: z.string().optional(), community: communityOption, positionals: z.tuple([z.string()], { error: 'name exactly one round id' }) }),
    );
    const text = await withDatabase(config(), async (db, { ensureCommunity, findRound, loadRoundData }) => {
      const community = await ensureCommunity(db, opts.community);
      const round = await findRound(db, community.id, opts.positionals[0]);
      if (!round) throw new CliError(`there is no round ${opts.positionals[0]} in ${opts.community.platform}:${opts.community.chatId}`);
      return serializeRoundFile(await loadRoundData(db, round));
    });
    if (opts.out) {
      await writeFile(opts.out, text);
      io.out(`wrote ${opts.out}\n`);
    } else io.out(text);
  },

  async migrate(args, io, config) {
    const opts = parse(args, {}, z.object({ positionals: z.tuple([z.enum(['up', 'down', 'status'])]).or(z.tuple([])) }));
    const { openDatabase, migrator, describe } = await store();
    const db = await openDatabase(config().DATABASE_URL);
    try {
      const action = opts.positionals[0] ?? 'up';
      if (action === 'status') {
        for (const m of await migrator(db).getMigrations()) io.out(`${m.executedAt ? 'applied' : 'pending'}  ${m.name}\n`);
        return;
      }
      const result = action === 'up' ? await migrator(db).migrateToLatest() : await migrator(db).migrateDown();
      if (result.error) throw new Error(`migration failed: ${describe(result)}`, { cause: result.error });
      io.out(`${describe(result)}\n`);
    } finally {
      await db.destroy();
    }
  },

  async start(args, io, config) {
    parse(args, {}, z.object({ positionals: z.tuple([]) }));
    const settings = config();
    // The chat platforms, charts and chain clients load only for `start`: replay and the rest stay quick to begin.
    const { runConsole, runUntilSignal } = await import('../app.ts');
    if (settings.TELEGRAM_TOKEN || settings.DISCORD_TOKEN) await runUntilSignal(settings, { input: io.input, write: io.out });
    else await runConsole(settings, { input: io.input, write: io.out });
  },
};

/** Runs one govbot command; returns the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : commands[name];
  if (!command) {
    (name === undefined || name === 'help' || name === '--help' ? io.out : io.err)(USAGE);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  try {
    await command(args, io, () => createConfig(io.env));
    return 0;
  } catch (e) {
    if (e instanceof CliError || e instanceof RoundFileError || e instanceof ConfigError || e instanceof PairwiseError) io.err(`govbot ${name}: ${e.message}\n`);
    else if (e instanceof RoundExistsError) io.err(`govbot ${name}: ${e.message}; add --replace to load it again\n`);
    else if (e instanceof WalletTakenError) io.err(`govbot ${name}: ${e.message}; nothing was imported\n`);
    else {
      io.err(`govbot ${name}: unexpected error\n${(e as Error).stack ?? String(e)}\n`);
      return 70;
    }
    return 1;
  }
}
