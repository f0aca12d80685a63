/** A Deep Funding pairwise round, already validated (src/roundfile/pairwise.ts); ids are the round file's ids. */
export interface PairwiseRound {
  id: string;
  name: string;
  /** The thing funded (e.g. "Ethereum"): the parent of every project whose `parent` is null. */
  root: string;
  config: PairwiseConfig;
  projects: Project[];
  jurors: Juror[];
  comparisons: Comparison[];
  /** Indices into `comparisons` kept out of the fit; null: drawn from the round's seed. */
  holdout: number[] | null;
  submissions: Submission[];
}

export type Aggregation = 'l2log' | 'huber' | 'bt';
export const AGGREGATIONS: readonly Aggregation[] = ['l2log', 'huber', 'bt'];

export interface PairwiseConfig {
  aggregation: Aggregation;
  /** "ratio" asks the winner and how many times more; "binary" only the winner. */
  elicitation: 'ratio' | 'binary';
  /** The ratios a juror picks from, increasing, each > 1. */
  ratios: number[];
  /** Whether a juror may type any ratio ≥ 1 instead of picking one of `ratios`. */
  typedRatios: boolean;
  holdoutPercent: number;
  jurorWeighting: 'none' | 'reliability';
  /** Seeds the holdout draw and the sampler, so a round replays and samples the same everywhere. */
  seed: number;
  token: { symbol: string; decimals: number };
  /** Base units split between the projects. */
  pool: bigint;
  /** Projects whose final weight is below this get no funding; their share goes to the others. */
  minWeight: number;
}

export interface Project {
  id: string;
  name: string;
  url?: string | undefined;
  /** Another project, or null for a child of the round's root. */
  parent: string | null;
}
export interface Juror {
  id: string;
  handle: string;
}
export type Winner = 'a' | 'b' | 'equal';
export interface Comparison {
  juror: string;
  a: string;
  b: string;
  winner: Winner;
  /** How many times more the winner mattered (1 for equal); null in a binary round. */
  ratio: number | null;
  at: string;
}
export interface Submission {
  id: string;
  author: string;
  /** Each project's weight among its siblings (a flat round: among all projects). */
  weights: Record<string, number>;
}

/** A rule the engine will not bend, said in words a moderator can act on (a disconnected group, say). */
export class PairwiseError extends Error {
  override name = 'PairwiseError';
}
