import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { TapfitError } from '../../plugin-sdk/index.ts';
import { pageAssets, type Asset } from './assets.ts';

/** What the server streams: a whole snapshot on connect, then deltas (each a JSON object). */
export interface FeedSource {
  snapshot(): unknown;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The dashboard's HTTP server: a fixed table of routes (the page, its script and style, uPlot, the event
 * stream and a JSON snapshot), nothing read from disk per request. Updates go to every open page by
 * server-sent events. The server and its sockets are unref'd: they never keep a finished process alive.
 */
export class DashboardServer {
  private readonly server: Server;
  private readonly clients = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private readonly assets: ReadonlyMap<string, Asset>;
  private heartbeat: NodeJS.Timeout | null = null;
  private source: FeedSource | null = null;
  url = '';

  constructor(private readonly host: string) {
    this.assets = pageAssets();
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      socket.unref();
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Listen on `port` (0: a free one); resolves to the page's URL. */
  async listen(port: number): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(new TapfitError('E_CONFIG', `plugin "dashboard": cannot listen on ${this.host}:${port} (${error.code ?? error.message})`, { cause: error }));
      };
      this.server.once('error', onError);
      this.server.listen(port, this.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.unref();
    // A comment line now and then keeps proxies and browsers from timing the stream out.
    this.heartbeat = setInterval(() => this.broadcastRaw(': keep-alive\n\n'), 15_000);
    this.heartbeat.unref();
    const { port: bound } = this.server.address() as AddressInfo;
    const shown = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.url = `http://${shown}:${bound}/`;
    return this.url;
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** The run the page shows from now on; open pages get its snapshot at once. */
  setSource(source: FeedSource): void {
    this.source = source;
    this.broadcast('snapshot', source.snapshot());
  }

  broadcast(event: 'snapshot' | 'delta', data: unknown): void {
    this.broadcastRaw(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends open streams and stops listening. */
  async close(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private broadcastRaw(text: string): void {
    for (const res of this.clients) res.write(text);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    // Bound to loopback, only a page loaded from loopback may talk to it (no DNS-rebinding from a web site).
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (LOOPBACK.has(this.host) && !LOOPBACK.has(hostName)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden host\n');
      return;
    }
    // The path as sent, up to any query: matched against the fixed table, never resolved or decoded.
    const route = (req.url ?? '/').split('?')[0];
    if (route === '/events') return this.stream(req, res);
    if (route === '/state.json') {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(this.source?.snapshot() ?? null));
      return;
    }
    const asset = this.assets.get(route);
    if (!asset) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': asset.type, 'Cache-Control': 'no-cache', 'Content-Length': asset.body.length });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  private stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 1000\n\n');
    if (this.source) res.write(`event: snapshot\ndata: ${JSON.stringify(this.source.snapshot())}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }
}
