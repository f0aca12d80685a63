import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bot's one HTTP server (PORT): the Telegram webhook and, later, the wallet and results pages are routes on it.
 * Routes match a path exactly; anything else is a 404.
 */
export class WebServer {
  private readonly routes = new Map<string, RequestListener>();
  private server: Server | undefined;

  constructor() {
    this.route('/healthz', (_req, res) => send(res, 200, 'text/plain; charset=utf-8', 'ok\n'));
  }

  route(path: string, handler: RequestListener): void {
    if (this.routes.has(path)) throw new Error(`route ${path} is taken`);
    this.routes.set(path, handler);
  }

  async listen(port: number, host = '0.0.0.0'): Promise<AddressInfo> {
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const handler = this.routes.get(path);
      if (!handler) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      handler(req, res);
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

export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export type { IncomingMessage, ServerResponse };
