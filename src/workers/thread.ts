import { parentPort, Worker, type TransferListItem } from 'node:worker_threads';

/** A worker script of this folder, as compiled JS or, running from the sources, as TypeScript. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** A request, or a ping: answered as soon as the thread has loaded its script, without its handler (WorkerThread.start). */
type Envelope<T> = { id: number; message: T } | { id: number; ping: true };
type Answer<T> = { id: number; value: T } | { id: number; error: { message: string; stack?: string } };

/** What a worker hands back, with the buffers it moves rather than copies. */
export interface Moved<T> {
  value: T;
  transfer?: TransferListItem[];
}

/**
 * A persistent worker thread that answers requests, several in flight, each in order of arrival. It starts on the first
 * request (or start()), keeps the process alive only while a request is pending, and starts again after it stopped or crashed
 * (whatever was pending then is rejected rather than left waiting).
 */
export class WorkerThread<Request, Response> {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: Response) => void; reject: (error: Error) => void }>();

  /** `name`: the worker's file in src/workers, without extension. */
  constructor(private readonly name: string) {}

  request(message: Request, transfer: TransferListItem[] = []): Promise<Response> {
    return this.send({ message }, transfer);
  }

  /**
   * Starts the thread, if it is not running, and resolves once it has loaded its script: a bot calls it while it
   * starts, so that its first command does not pay for the thread starting (issue 13).
   */
  async start(): Promise<void> {
    await this.send({ ping: true });
  }

  /** A ping's answer carries no Response: start() does not look at it. */
  private send(envelope: { message: Request } | { ping: true }, transfer: TransferListItem[] = []): Promise<Response> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const answer = new Promise<Response>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    worker.ref();
    worker.postMessage({ id, ...envelope } satisfies Envelope<Request>, transfer);
    return answer;
  }

  /** Stops the thread; a later request starts a new one. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private spawn(): Worker {
    const script = new URL(`./${this.name}.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url);
    // From the sources, the thread registers tsx before it loads its TypeScript, as bin/govbot.js does.
    const worker = FROM_SOURCES
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(script.href)}))`, { eval: true })
      : new Worker(script);
    worker.unref();
    worker.on('message', (answer: Answer<Response>) => {
      const waiting = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (this.pending.size === 0) worker.unref();
      if (!waiting) return;
      if ('error' in answer) waiting.reject(Object.assign(new Error(`${this.name} worker: ${answer.error.message}`), { stack: answer.error.stack }));
      else waiting.resolve(answer.value);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the ${this.name} worker stopped with code ${code}`)));
    return worker;
  }
}

/** The body of a worker script: answers each request of its WorkerThread with `handle`, one at a time. */
export function serve<Request, Response>(handle: (message: Request) => Promise<Moved<Response>> | Moved<Response>): void {
  const port = parentPort;
  if (!port) throw new Error('serve() runs in a worker thread');
  let queue = Promise.resolve();
  port.on('message', (envelope: Envelope<Request>) => {
    const { id } = envelope;
    if ('ping' in envelope) return port.postMessage({ id, value: undefined } satisfies Answer<undefined>);
    queue = queue.then(async () => {
      try {
        const { value, transfer } = await handle(envelope.message);
        port.postMessage({ id, value } satisfies Answer<Response>, transfer ?? []);
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ id, error: { message: e.message, stack: e.stack } } satisfies Answer<Response>);
      }
    });
  });
}
