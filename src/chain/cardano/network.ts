/**
 * Cardano networks as CAIP-2 names them (CIP-34: `cip34:<network id>-<network magic>`), with the network id that
 * addresses carry (1 mainnet, 0 every test network). The magic tells the test networks apart, which addresses cannot.
 */
export const CARDANO_NETWORKS = {
  mainnet: { chain: 'cip34:1-764824073', networkId: 1 },
  preprod: { chain: 'cip34:0-1', networkId: 0 },
  preview: { chain: 'cip34:0-2', networkId: 0 },
} as const;

export type CardanoNetworkName = keyof typeof CARDANO_NETWORKS;
export type CardanoNetwork = (typeof CARDANO_NETWORKS)[CardanoNetworkName];

/** The network of a CAIP-2 id, or undefined for one that is no Cardano network we know. */
export const cardanoNetworkOf = (chain: string): CardanoNetwork | undefined => Object.values(CARDANO_NETWORKS).find((n) => n.chain === chain);

export const isCardanoChain = (chain: string) => chain.startsWith('cip34:');
