import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseCardanoAddress } from '../../src/chain/cardano/address.ts';

/**
 * A Koios-compatible API on 127.0.0.1 (the /api/v1 subset the bot reads): `GET /tip`, `POST /account_assets`
 * (`_stake_addresses`) and `POST /address_assets` (`_addresses`), with PostgREST's `eq.` filters and `limit`/`offset`
 * paging capped at 1000 rows, as Koios does. Holdings are per address; account_assets sums an account's addresses
 * through their real stake credential. What Koios refuses (a GET to a POST endpoint, a body without its list, an
 * invalid address) it refuses too.
 */
export async function fakeKoios() {
  const holdings = new Map<string, Map<string, bigint>>();
  const tip = { abs_slot: 140_000_000, block_height: 11_000_000, hash: 'aa'.repeat(32), epoch_no: 520, epoch_slot: 1000, block_time: 1_740_000_000 };
  const requests: { path: string; body: unknown }[] = [];
  /** How many of the next tip reads, after the one that comes first, find a new block. */
  let moves = 0;
  let firstRead = true;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/^\/api\/v1/, '');
    if (path === '/tip' && req.method === 'GET') {
      requests.push({ path, body: undefined });
      const wasFirst = firstRead;
      firstRead = false;
      if (wasFirst) return send(res, 200, [tip]);
      if (moves > 0 && moves--) Object.assign(tip, { abs_slot: tip.abs_slot + 20, block_height: tip.block_height + 1, hash: (tip.block_height + 1).toString(16).padStart(64, '0') });
      return send(res, 200, [tip]);
    }
    const endpoint = path === '/account_assets' ? { field: '_stake_addresses', key: 'stake_address' } : path === '/address_assets' ? { field: '_addresses', key: 'address' } : undefined;
    if (!endpoint) return send(res, 404, { message: 'Not found' });
    if (req.method !== 'POST') return send(res, 405, { code: 'PGRST', message: 'use POST' });
    const body = await read(req);
    requests.push({ path, body });
    const list = body?.[endpoint.field];
    if (!Array.isArray(list) || list.some((a) => typeof a !== 'string' || !parseCardanoAddress(a) || (endpoint.key === 'stake_address') !== a.startsWith('stake')))
      return send(res, 400, { code: 'P0001', message: `${endpoint.field} must be a list of valid ${endpoint.key === 'stake_address' ? 'stake' : ''} addresses` });
    const rows: Record<string, string | number | null>[] = [];
    for (const owner of list as string[]) {
      const sums = new Map<string, bigint>();
      for (const [address, assets] of holdings) {
        const belongs = endpoint.key === 'address' ? address === owner : parseCardanoAddress(address)?.stakeAddress === owner;
        if (belongs) for (const [asset, quantity] of assets) sums.set(asset, (sums.get(asset) ?? 0n) + quantity);
      }
      for (const [asset, quantity] of sums)
        rows.push({ [endpoint.key]: owner, policy_id: asset.slice(0, 56), asset_name: asset.slice(56), fingerprint: 'asset1fake', decimals: 0, quantity: quantity.toString() });
    }
    const filtered = rows.filter((r) => [...url.searchParams].every(([k, v]) => k === 'limit' || k === 'offset' || (v.startsWith('eq.') && String(r[k] ?? '') === v.slice(3))));
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 1000), 1000);
    const offset = Number(url.searchParams.get('offset') ?? 0);
    return send(res, 200, filtered.slice(offset, offset + limit));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1`,
    tip,
    requests,
    /** Puts `quantity` of an asset (policy id + asset name, hex) at an address. */
    hold(address: string, asset: string, quantity: bigint) {
      const assets = holdings.get(address) ?? new Map<string, bigint>();
      assets.set(asset, (assets.get(asset) ?? 0n) + quantity);
      holdings.set(address, assets);
    },
    /** The next `times` reads of the tip after the next one each find a new block. */
    moveTip(times: number) {
      moves = times;
      firstRead = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
