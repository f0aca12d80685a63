import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * The bot's one HTTP server (PORT): the Telegram webhook and the public results pages are routes on it.
 * Routes match a path exactly; anything else is a 404.
 */
export class WebServer {
  private readonly routes = new Map<string, Handler>();
  private readonly prefixes: [string, Handler][] = [];
  private server: Server | undefined;

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  route(path: string, handler: Handler): void {
    if (this.routes.has(path)) throw new Error(`route ${path} is taken`);
    this.routes.set(path, handler);
  }

  /** Every path under `prefix` (which ends with /). */
  routePrefix(prefix: string, handler: Handler): void {
    this.prefixes.push([prefix, handler]);
  }

  async listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const handler = this.routes.get(path) ?? this.prefixes.find(([prefix]) => path.startsWith(prefix))?.[1];
      if (!handler) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      // A failing page is logged and answered, never left hanging or allowed to take the server down.
      Promise.resolve(handler(req, res)).catch((error: unknown) => {
        this.onError(error);
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Something went wrong on our side.\n');
        else res.end();
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return server.address() as AddressInfo;
  }

  address(): AddressInfo | undefined {
    return (this.server?.address() as AddressInfo | null) ?? undefined;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** What /healthz says: `ok` when every part is up, and each part's own report. */
export interface HealthReport {
  ok: boolean;
  [part: string]: unknown;
}

/** How long /healthz waits for its checks before it says the process is not healthy (a balancer's timeout is longer). */
const HEALTH_TIMEOUT_MS = 2000;

/**
 * GET /healthz for a balancer or an orchestrator: the report as JSON, 200 when ok and 503 when not. Checks that do not
 * answer within HEALTH_TIMEOUT_MS count as down, so a stuck database gives a quick 503 rather than a hanging probe.
 */
export function healthRoute(web: WebServer, check: () => Promise<HealthReport>): void {
  web.route('/healthz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<HealthReport>((resolve) => (timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${HEALTH_TIMEOUT_MS} ms` }), HEALTH_TIMEOUT_MS)));
    const report = await Promise.race([check().catch((error: unknown) => ({ ok: false, error: String(error) })), timedOut]);
    clearTimeout(timer);
    send(res, report.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`, { 'cache-control': 'no-store' });
  });
}

export function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...headers });
  res.end(body);
}

export type { IncomingMessage, ServerResponse };
