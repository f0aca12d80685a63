/** What an import can be refused for; kept apart from the database code so the CLI can name them cheaply. */
export class RoundExistsError extends Error {
  constructor(readonly key: string) {
    super(`round ${key} already exists in this community`);
  }
}
export class WalletTakenError extends Error {
  constructor(readonly address: string, readonly chain: string, readonly owner: string) {
    super(`wallet ${address} on ${chain} already belongs to member ${owner}`);
  }
}

/** Where state lives when DATABASE_URL is not set. */
export const DEFAULT_DATABASE_URL = 'file:./data/govbot.sqlite';
