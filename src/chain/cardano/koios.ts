import { ChainReadError, withRetry, type ReadProgress } from '../erc20.ts';

/** A Cardano native asset: its minting policy (28 bytes hex) and its name (up to 32 bytes hex). */
export interface CardanoAsset {
  policyId: string;
  assetName: string;
}

/** The chain tip a snapshot read at: Cardano counts slots, and blocks by height. */
export interface CardanoTip {
  slot: number;
  block: number;
  hash: string;
}

/** Stake addresses per request: Koios takes a list in one POST body. */
const BATCH = 50;
/** Koios (PostgREST) returns at most 1000 rows per response; more come with `offset`. */
const PAGE = 1000;

interface AssetRow {
  stake_address?: string;
  address?: string;
  policy_id: string;
  asset_name: string | null;
  quantity: string;
}

/**
 * Reads Cardano through a Koios-compatible HTTP API (CARDANO_API_URL, e.g. a Koios instance's `/api/v1`): the tip,
 * and balances of one asset by stake address (`account_assets`: every address of a wallet, counted once) or, for a
 * wallet proven by its payment key alone, by address (`address_assets`). Koios answers for the current tip only, so
 * a snapshot reads the tip just before and just after, and refuses to store when the chain moved between them.
 */
export class CardanoReader {
  constructor(
    readonly url: string,
    private readonly retry: { attempts: number; firstDelayMs: number } = { attempts: 4, firstDelayMs: 200 },
  ) {}

  private async request<T>(path: string, body?: unknown): Promise<T> {
    return withRetry(
      async () => {
        const answer = await fetch(`${this.url.replace(/\/$/, '')}${path}`, {
          method: body === undefined ? 'GET' : 'POST',
          headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
        if (!answer.ok) throw new ChainReadError(`${path} answered ${answer.status} ${(await answer.text()).slice(0, 200)}`);
        return (await answer.json()) as T;
      },
      this.retry.attempts,
      this.retry.firstDelayMs,
    ).catch((error: unknown) => {
      throw error instanceof ChainReadError ? error : new ChainReadError(`the Cardano API at ${this.url} did not answer (${String(error)})`);
    });
  }

  async tip(): Promise<CardanoTip> {
    const [tip] = await this.request<{ abs_slot: number; block_height?: number; block_no?: number; hash: string }[]>('/tip');
    // Koios v1 names the height block_height; v0 named it block_no.
    const block = tip?.block_height ?? tip?.block_no;
    if (!tip || typeof tip.abs_slot !== 'number' || typeof block !== 'number') throw new ChainReadError(`the Cardano API at ${this.url} gave no tip`);
    return { slot: tip.abs_slot, block, hash: tip.hash };
  }

  /** Balances of the asset, in its base units, for stake addresses (stake1…) and plain addresses (addr1…) alike. */
  async balances(asset: CardanoAsset, wallets: readonly string[], onRead?: ReadProgress): Promise<Map<string, bigint>> {
    const balances = new Map(wallets.map((w) => [w, 0n]));
    const stake = wallets.filter((w) => w.startsWith('stake'));
    const plain = wallets.filter((w) => !w.startsWith('stake'));
    const filter = `policy_id=eq.${asset.policyId}&asset_name=eq.${asset.assetName}`;
    let read = 0;
    onRead?.(read, wallets.length);
    for (const [list, path, field, key] of [
      [stake, '/account_assets', '_stake_addresses', 'stake_address'],
      [plain, '/address_assets', '_addresses', 'address'],
    ] as const) {
      for (let i = 0; i < list.length; i += BATCH) {
        const chunk = list.slice(i, i + BATCH);
        for (let offset = 0; ; offset += PAGE) {
          const rows = await this.request<AssetRow[]>(`${path}?${filter}&limit=${PAGE}&offset=${offset}`, { [field]: chunk });
          for (const row of rows) {
            const owner = row[key];
            if (owner === undefined || !balances.has(owner) || row.policy_id !== asset.policyId || (row.asset_name ?? '') !== asset.assetName) continue;
            balances.set(owner, balances.get(owner)! + BigInt(row.quantity));
          }
          if (rows.length < PAGE) break;
        }
        read += chunk.length;
        onRead?.(read, wallets.length);
      }
    }
    return balances;
  }
}
