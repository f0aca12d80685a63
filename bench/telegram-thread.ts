// The fake Bot API on a worker thread of its own (bench/telegram-worker.ts): each call of `fake` is a message to it,
// answered with what the fake returned.
import { Worker } from 'node:worker_threads';
import type { Operations } from './telegram-worker.ts';

type Remote = { [K in keyof Operations]: (...args: Parameters<Operations[K]>) => Promise<Awaited<ReturnType<Operations[K]>>> };

export async function fakeTelegramThread(): Promise<Remote> {
  const script = new URL('./telegram-worker.ts', import.meta.url);
  const worker = new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script.href)}))`, { eval: true });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
    const call = waiting.get(id)!;
    waiting.delete(id);
    if (error === undefined) call.resolve(value);
    else call.reject(new Error(`fake Telegram: ${error}`));
  });
  worker.on('error', (error) => {
    for (const call of waiting.values()) call.reject(error);
  });
  let next = 0;
  const call = (name: string) => (...args: unknown[]) =>
    new Promise((resolve, reject) => {
      waiting.set(++next, { resolve, reject });
      worker.postMessage({ id: next, name, args });
    });
  const close = async () => {
    await call('close')();
    await worker.terminate();
  };
  // (not a thenable: `await fakeTelegramThread()` asks for `then`)
  return new Proxy({} as Remote, { get: (_, name: string) => (name === 'then' ? undefined : name === 'close' ? close : call(name)) });
}
