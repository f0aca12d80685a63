// Writes examples/pairwise-ethereum.json: a Deep Funding round over 30 real open-source projects of the Ethereum
// ecosystem, answered by 12 simulated jurors (two of them messy) on pairs the bot's sampler chose, with two
// submissions to score. The jurors pick from the offered ratios (up to 100), as in chat. Deterministic: the same bytes
// on every run (`npm run sample:pairwise`; a test checks that the shipped file is what this makes). The "true" weights
// are invented for the demo.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { mulberry32 } from '../src/core/pairwise/random.ts';
import { nextPairs, samplerState } from '../src/core/pairwise/sampler.ts';
import type { Comparison } from '../src/core/pairwise/types.ts';
import { parsePairwiseRound, serializePairwiseRound } from '../src/roundfile/pairwise.ts';
import { answer, CAPPED_NOISE, makeJurors, normal, type World } from '../bench/pairwise-sim.ts';

const PROJECTS: [id: string, name: string, repo: string][] = [
  ['geth', 'go-ethereum', 'ethereum/go-ethereum'], ['reth', 'Reth', 'paradigmxyz/reth'], ['nethermind', 'Nethermind', 'NethermindEth/nethermind'],
  ['besu', 'Besu', 'hyperledger/besu'], ['erigon', 'Erigon', 'erigontech/erigon'], ['prysm', 'Prysm', 'prysmaticlabs/prysm'],
  ['lighthouse', 'Lighthouse', 'sigp/lighthouse'], ['teku', 'Teku', 'Consensys/teku'], ['nimbus', 'Nimbus', 'status-im/nimbus-eth2'],
  ['lodestar', 'Lodestar', 'ChainSafe/lodestar'], ['solidity', 'Solidity', 'ethereum/solidity'], ['vyper', 'Vyper', 'vyperlang/vyper'],
  ['foundry', 'Foundry', 'foundry-rs/foundry'], ['hardhat', 'Hardhat', 'NomicFoundation/hardhat'], ['ethers', 'ethers.js', 'ethers-io/ethers.js'],
  ['viem', 'viem', 'wevm/viem'], ['web3py', 'web3.py', 'ethereum/web3.py'], ['openzeppelin', 'OpenZeppelin Contracts', 'OpenZeppelin/openzeppelin-contracts'],
  ['eips', 'EIPs', 'ethereum/EIPs'], ['consensus-specs', 'consensus-specs', 'ethereum/consensus-specs'], ['execution-specs', 'execution-specs', 'ethereum/execution-specs'],
  ['evmone', 'evmone', 'ethereum/evmone'], ['revm', 'revm', 'bluealloy/revm'], ['alloy', 'Alloy', 'alloy-rs/alloy'],
  ['sourcify', 'Sourcify', 'argotorg/sourcify'], ['remix', 'Remix', 'remix-project-org/remix-project'], ['mev-boost', 'MEV-Boost', 'flashbots/mev-boost'],
  ['safe', 'Safe Smart Account', 'safe-global/safe-smart-account'], ['blst', 'blst', 'supranational/blst'], ['ckzg', 'c-kzg-4844', 'ethereum/c-kzg-4844'],
];
const HANDLES = ['ada', 'ben', 'chen', 'dara', 'eli', 'fatou', 'gus', 'hana', 'ines', 'jon', 'kemi', 'lev'];

/** The example round file's text. */
export function pairwiseSample(): string {
  const random = mulberry32(2025);
  const truth = PROJECTS.map(() => Math.exp(1.3 * normal(random)));
  const total = truth.reduce((s, w) => s + w, 0);
  const world: World = { ids: PROJECTS.map((p) => p[0]), weights: truth.map((w) => w / total) };
  const jurors = makeJurors(12, 2 / 12, world, random).map((j, k) => ({ ...j, id: `j${String(k + 1).padStart(2, '0')}` }));
  const round = parsePairwiseRound({
    version: 1,
    kind: 'pairwise',
    round: {
      id: 'df-eth-2025',
      name: 'Dependencies of Ethereum (demo)',
      root: 'Ethereum',
      config: { aggregation: 'l2log', jurorWeighting: 'none', holdoutPercent: 20, seed: 7, token: { symbol: 'ETH', decimals: 18 }, pool: '100000000000000000000', minWeight: 0.002 },
    },
    projects: PROJECTS.map(([id, name, repo]) => ({ id, name, url: `https://github.com/${repo}`, parent: null })),
    jurors: jurors.map((j, k) => ({ id: j.id, handle: HANDLES[k]! })),
    comparisons: [],
  });
  const comparisons: Comparison[] = [];
  round.comparisons = comparisons;
  const index = new Map(world.ids.map((id, k) => [id, k]));
  for (let batch = 0; batch < 40; batch++) {
    const state = samplerState(round);
    for (const juror of jurors)
      for (const pair of nextPairs(state, juror.id, 1)) {
        const at = new Date(Date.UTC(2025, 2, 3, 9) + comparisons.length * 97_000).toISOString().replace('.000', '');
        comparisons.push({ juror: juror.id, a: pair.a, b: pair.b, ...answer(juror, world, index.get(pair.a)!, index.get(pair.b)!, random, CAPPED_NOISE), at });
      }
  }
  const uniform = Object.fromEntries(world.ids.map((id) => [id, 1 / world.ids.length]));
  // a modeller who knew the truth up to noise
  const noisy = world.weights.map((w) => w * Math.exp(0.5 * normal(random)));
  const noisyTotal = noisy.reduce((s, w) => s + w, 0);
  round.submissions = [
    { id: 'uniform', author: 'baseline', weights: uniform },
    { id: 'model-a', author: 'team-a', weights: Object.fromEntries(world.ids.map((id, k) => [id, noisy[k]! / noisyTotal])) },
  ];
  return serializePairwiseRound(parsePairwiseRound(JSON.parse(serializePairwiseRound(round))));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = pairwiseSample();
  writeFileSync(new URL('../examples/pairwise-ethereum.json', import.meta.url), text);
  const { projects, jurors, comparisons } = JSON.parse(text) as { projects: unknown[]; jurors: unknown[]; comparisons: unknown[] };
  console.log(`wrote examples/pairwise-ethereum.json: ${projects.length} projects, ${jurors.length} jurors, ${comparisons.length} comparisons`);
}
