import { createServer, type Server } from 'node:http';

/**
 * A load balancer in front of several bot processes, as a deployment puts behind the webhook URL: each request goes to
 * the next worker in turn; one that does not answer (killed) is skipped for the next, as health checks would.
 * `latencies` holds, for each request answered, the ms from its arrival to the worker's answer (for the bench).
 */
export async function startBalancer(): Promise<{ url: string; workers: string[]; latencies: number[]; close: () => Promise<void> }> {
  const workers: string[] = [];
  const latencies: number[] = [];
  let next = 0;
  const server: Server = createServer(async (request, response) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = Object.fromEntries(Object.entries(request.headers).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'host' && e[0] !== 'content-length'));
    for (let tried = 0; tried < workers.length; tried++) {
      const worker = workers[next++ % workers.length]!;
      try {
        const answer = await fetch(`${worker}${request.url}`, { method: request.method, headers, body: Buffer.concat(chunks) });
        response.writeHead(answer.status).end(Buffer.from(await answer.arrayBuffer()));
        latencies.push(performance.now() - arrived);
        return;
      } catch {
        // The worker is down: the next one takes the request.
      }
    }
    response.writeHead(502).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, workers, latencies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The address of a bot process's web server, from what it says when it runs. */
export const webOf = (output: string): string => `http://127.0.0.1:${/results pages at http:\/\/localhost:(\d+)/.exec(output)![1]}`;
