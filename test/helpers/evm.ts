import { ContractFactory, JsonRpcProvider, NonceManager, Wallet, type Contract } from 'ethers';
import ganache from 'ganache';
import { readFileSync } from 'node:fs';

const artifact = (name: string) => JSON.parse(readFileSync(new URL(`../chain/contracts/${name}.json`, import.meta.url), 'utf8')) as { abi: unknown[]; bytecode: string };

/** A local EVM: ganache in this process, listening on 127.0.0.1 only, with funded deterministic accounts. */
export async function localChain(chainId = 1337) {
  const server = ganache.server({ logging: { quiet: true }, wallet: { totalAccounts: 6, deterministic: true, defaultBalance: 1000 }, chain: { chainId }, miner: { instamine: 'eager' } });
  await server.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server as unknown as { address(): { port: number } }).address().port}`;
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  const accounts = Object.entries(server.provider.getInitialAccounts()).map(([, a]) => new NonceManager(new Wallet(a.secretKey, provider)));
  const deploy = async (name: string, args: unknown[], from = accounts[0]!) => {
    const { abi, bytecode } = artifact(name);
    const contract = await new ContractFactory(abi as never, bytecode, from).deploy(...args);
    await contract.waitForDeployment();
    return contract as Contract;
  };
  return {
    url,
    chainId,
    provider,
    accounts,
    deploy,
    // Asked each time: ethers caches getBlockNumber for a polling interval.
    block: async () => Number(await provider.send('eth_blockNumber', [])),
    async close() {
      provider.destroy();
      await server.close();
    },
  };
}
