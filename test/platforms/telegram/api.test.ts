import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TelegramError } from 'telegraf';
import { afterEach, describe, expect, it } from 'vitest';
import { BotApiClient, ConnectionFailed } from '../../../src/platforms/telegram/api.ts';

const TOKEN = '123456:secret-token';
const servers: Server[] = [];
const clients: BotApiClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A Bot API that answers every call with `status` and `body`, and keeps what each call asked for. */
async function api(status: number, body: unknown) {
  const asked: { url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      asked.push({ url: req.url ?? '', body: text });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { root: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

const client = (root: string) => {
  const c = new BotApiClient(TOKEN, root, { connections: 2, pipelining: 2 });
  clients.push(c);
  return c;
};

describe('the Bot API client', () => {
  it('GIVEN a call with options left empty THEN it posts JSON to /bot<token>/<method> without them, and returns the result', async () => {
    const { root, asked } = await api(200, { ok: true, result: { message_id: 7 } });
    expect(await client(root).call('sendMessage', { chat_id: 1, text: 'hi', reply_markup: null, message_thread_id: undefined })).toEqual({ message_id: 7 });
    expect(asked).toEqual([{ url: `/bot${TOKEN}/sendMessage`, body: '{"chat_id":1,"text":"hi"}' }]);
  });

  it('GIVEN an API root with a path of its own THEN the calls go under it', async () => {
    const { root, asked } = await api(200, { ok: true, result: true });
    await client(`${root}/tg/`).call('getMe', {});
    expect(asked[0]!.url).toBe(`/tg/bot${TOKEN}/getMe`);
  });

  it('GIVEN Telegram refuses THEN a TelegramError carries its code, words and parameters', async () => {
    const { root } = await api(429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
    const error = await client(root).call('answerCallbackQuery', { callback_query_id: '1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TelegramError);
    expect(error).toMatchObject({ code: 429, description: 'Too Many Requests: retry after 3', parameters: { retry_after: 3 } });
  });

  it('GIVEN a server error THEN a TelegramError with the HTTP status, whatever the body', async () => {
    const { root } = await api(502, '<html>bad gateway</html>');
    await expect(client(root).call('getUpdates', {})).rejects.toMatchObject({ code: 502, description: 'Bad Gateway' });
  });

  it('GIVEN nothing listening THEN ConnectionFailed names the method and not the token', async () => {
    const { root } = await api(200, {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const error = await client(root).call('sendMessage', { chat_id: 1, text: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionFailed);
    expect((error as Error).message).toMatch(/^sendMessage: /);
    expect((error as Error).message).not.toContain('secret-token');
  });
});
