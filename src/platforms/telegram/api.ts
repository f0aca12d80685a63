import { STATUS_CODES } from 'node:http';
import { Pool } from 'undici';
import { TelegramError, type Telegram } from 'telegraf';

/** The calls that upload a file: telegraf's own client builds their multipart bodies. */
const UPLOADS = new Set(['sendPhoto', 'sendDocument']);
/** How long an idle connection is kept for the next call (Telegram keeps them longer). */
const KEEP_ALIVE_MS = 30_000;
/**
 * Calls that may be sent on a connection behind others (HTTP pipelining): what reads only, and a tap's answer, which
 * Telegram takes once (a second one is refused, not shown). Anything else waits for a connection of its own, since a
 * connection that drops loses what was sent on it with no way to know what Telegram did.
 */
const mayQueue = (method: string) => method === 'answerCallbackQuery' || (method.startsWith('get') && method !== 'getUpdates');

/** A Bot API call that got no answer: the connection failed or was dropped. A 5xx or an `ok: false` is a TelegramError. */
export class ConnectionFailed extends Error {
  override readonly name = 'ConnectionFailed';
}

/** telegraf leaves out what is null or undefined in a call's JSON, as Telegram wants (an absent option, not a null one). */
const withoutNulls = (_key: string, value: unknown) => (value === null ? undefined : value);

/**
 * The Bot API over kept-alive connections of an undici Pool, in place of telegraf's node-fetch client, for every call
 * but uploads: a burst's 2,000 tap answers cost the bot's thread about 0.2 ms each through node-fetch and Node's HTTP
 * client (issue 13). Same answers and errors as telegraf's: the result, or a TelegramError with Telegram's code and words.
 */
export class BotApiClient {
  readonly #pool: Pool;
  /** The long poll's own connection: nothing waits behind a getUpdates that Telegram holds for up to 50 s. */
  readonly #poll: Pool;
  /** `/bot<token>/`, under the API root's own path. */
  readonly #path: string;

  /**
   * `connections` to Telegram besides the long poll's, each carrying up to `pipelining` calls at once (see mayQueue):
   * a connection is reused for the next call only in the event loop's next turn (undici checks first that Telegram did
   * not close it), so without pipelining a burst's taps are answered at most `connections` per turn.
   */
  constructor(token: string, apiRoot: string, { connections, pipelining }: { connections: number; pipelining: number }) {
    const base = new URL(`./bot${token}/`, apiRoot);
    const keepAlive = { keepAliveTimeout: KEEP_ALIVE_MS, keepAliveMaxTimeout: KEEP_ALIVE_MS };
    this.#pool = new Pool(base.origin, { connections, pipelining, ...keepAlive });
    this.#poll = new Pool(base.origin, { connections: 1, ...keepAlive });
    this.#path = base.pathname;
  }

  /** Serves `telegram`'s calls from now on; uploads still go through telegraf's client. */
  serve(telegram: Telegram): void {
    const uploads = telegram.callApi.bind(telegram);
    telegram.callApi = ((method, payload, options) =>
      UPLOADS.has(method) ? uploads(method, payload, options) : this.call(method, payload, options?.signal as AbortSignal | undefined)) as Telegram['callApi'];
  }

  async call(method: string, payload: object, signal?: AbortSignal): Promise<never> {
    let status: number;
    let data: { ok: boolean; result: never; error_code: number; description: string } | undefined;
    try {
      const response = await (method === 'getUpdates' ? this.#poll : this.#pool).request({ path: this.#path + method, method: 'POST', idempotent: mayQueue(method), headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload, withoutNulls), signal });
      status = response.statusCode;
      if (status >= 500) await response.body.dump();
      else data = (await response.body.json()) as typeof data;
    } catch (error) {
      // The token is in the path; undici's errors do not carry it, and this says only what went wrong.
      if (signal?.aborted) throw error;
      throw new ConnectionFailed(`${method}: ${(error as { code?: string }).code ?? (error as Error).message}`, { cause: error });
    }
    if (!data) throw new TelegramError({ error_code: status, description: STATUS_CODES[status] ?? 'Server Error' }, { method, payload });
    if (!data.ok) throw new TelegramError(data, { method, payload });
    return data.result;
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.close(), this.#poll.close()]);
  }
}
