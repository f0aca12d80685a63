// A worker thread of the chat bench: the fake Bot API (test/fakes/telegram.ts), driven by messages from
// bench/telegram-thread.ts, so that what Telegram's servers do is not done on the bot's own thread.
import { parentPort } from 'node:worker_threads';
import { FakeTelegram, type FakeUser, type SentMessage } from '../test/fakes/telegram.ts';

const fake = await FakeTelegram.start();
const users = new Map<number, FakeUser>();
const sent = (chatId: number, messageId: number): SentMessage => fake.sent.find((m) => m.chat_id === chatId && m.message_id === messageId)!;

export const operations = {
  address: () => ({ url: fake.url, token: fake.token }),
  addGroup: (chat: Parameters<FakeTelegram['addGroup']>[0]) => void fake.addGroup(chat),
  user: (id: number, username: string) => {
    const user = fake.user(id, username);
    users.set(id, user);
    return user;
  },
  say: (chatId: number, userId: number, text: string) => void fake.say(chatId, users.get(userId)!, text),
  settled: () => fake.settled(),
  messagesIn: (chatId: number) => fake.messagesIn(chatId),
  /** Every tap at once, each with the moment it was made. */
  tapAll: (taps: { userId: number; chatId: number; messageId: number; button: number }[]) => taps.map((t) => ({ id: fake.tap(users.get(t.userId)!, sent(t.chatId, t.messageId), t.button), at: Date.now() })),
  calls: (methods: string[]) => fake.calls.filter((c) => methods.includes(c.method)),
  answers: () => fake.answers,
  /** How many taps are answered so far. */
  answered: () => fake.answers.size,
  close: () => fake.close(),
};
export type Operations = typeof operations;

parentPort!.on('message', async ({ id, name, args }: { id: number; name: keyof Operations; args: unknown[] }) => {
  try {
    parentPort!.postMessage({ id, value: await (operations[name] as (...a: unknown[]) => unknown)(...args) });
  } catch (error) {
    parentPort!.postMessage({ id, error: String(error) });
  }
});
