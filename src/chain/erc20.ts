import { Contract, JsonRpcProvider } from 'ethers';
import { setTimeout as sleep } from 'node:timers/promises';

const ERC20 = ['function balanceOf(address) view returns (uint256)', 'function decimals() view returns (uint8)', 'function symbol() view returns (string)'];
/** Reads per JSON-RPC batch: ethers sends the calls of one tick as one batch. */
const BATCH = 100;

export class ChainReadError extends Error {}

/** Told after each batch of balances read: how many of how many wallets. */
export type ReadProgress = (done: number, total: number) => void;

/** Tries a read up to `attempts` times, waiting 200 ms, 400 ms, 800 ms… between: nodes drop calls under load. */
export async function withRetry<T>(read: () => Promise<T>, attempts = 4, firstDelayMs = 200): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(firstDelayMs * 2 ** (attempt - 1));
    }
  }
}

/** Reads an EVM chain through ETH_RPC_URL: the chain id, the head, ERC-20 metadata and balances at a block. */
export class ChainReader {
  readonly provider: JsonRpcProvider;
  private chainId: Promise<number> | undefined;

  constructor(
    readonly url: string,
    private readonly retry: { attempts: number; firstDelayMs: number } = { attempts: 4, firstDelayMs: 200 },
  ) {
    // The network is asked once; a node that changes chains under us is not one to read balances from.
    this.provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, batchMaxCount: BATCH });
  }

  chain(): Promise<number> {
    this.chainId ??= withRetry(async () => Number((await this.provider.getNetwork()).chainId), this.retry.attempts, this.retry.firstDelayMs).catch((error: unknown) => {
      this.chainId = undefined;
      throw new ChainReadError(`the node at ${this.url} did not answer (${String(error)})`);
    });
    return this.chainId;
  }

  async head(): Promise<number> {
    // Asked each time: ethers caches getBlockNumber for a polling interval.
    return withRetry(async () => Number(await this.provider.send('eth_blockNumber', [])), this.retry.attempts, this.retry.firstDelayMs);
  }

  /** Decimals and symbol of an ERC-20 contract; refused when the address is no such contract. */
  async token(address: string): Promise<{ decimals: number; symbol: string }> {
    const contract = new Contract(address, ERC20, this.provider);
    try {
      const [decimals, symbol] = await withRetry(() => Promise.all([contract.getFunction('decimals')(), contract.getFunction('symbol')()]), this.retry.attempts, this.retry.firstDelayMs);
      return { decimals: Number(decimals), symbol: String(symbol) };
    } catch (error) {
      throw new ChainReadError(`${address} does not answer as an ERC-20 token on chain ${await this.chain()} (${shortError(error)})`);
    }
  }

  /**
   * Balances of the token at a block, for every address. Reads go in batches and each is retried with backoff; if
   * one still fails, the error names that wallet and the block, and nothing is returned, so no partial snapshot is kept.
   */
  async balancesAt(token: string, addresses: readonly string[], block: number, onRead?: ReadProgress): Promise<Map<string, bigint>> {
    const contract = new Contract(token, ERC20, this.provider);
    const balanceOf = contract.getFunction('balanceOf');
    const balances = new Map<string, bigint>();
    onRead?.(0, addresses.length);
    for (let i = 0; i < addresses.length; i += BATCH) {
      const chunk = addresses.slice(i, i + BATCH);
      const read = await Promise.allSettled(chunk.map((a) => withRetry(() => balanceOf(a, { blockTag: block }) as Promise<bigint>, this.retry.attempts, this.retry.firstDelayMs)));
      read.forEach((r, j) => {
        if (r.status === 'rejected') throw new ChainReadError(`could not read the balance of ${chunk[j]} at block ${block} (${shortError(r.reason)}); nothing was changed`);
        balances.set(chunk[j]!.toLowerCase(), r.value);
      });
      onRead?.(balances.size, addresses.length);
    }
    return balances;
  }

  destroy(): void {
    this.provider.destroy();
  }
}

const shortError = (error: unknown) => (error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)).slice(0, 200);
