import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { relative } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import type { Logger } from '../observability/log';
import { createApp, type AppDeps } from './app';
import { createSessionStore, DEFAULT_SESSION_POLICY } from './auth/session-store';
import { securityHeaders } from './security-headers';
import { errorBody, respondNotFound, respondWithError } from './errors';
import { attachRealtime } from './realtime/server';
import { createOverviewService } from './services/overview';
import { createPaymentFiguresService } from './services/payment-figures';
import { createApiMetrics } from './metrics';
import { trustProxies, withRequestScope } from './request-context';

export interface ApiServerOptions extends Omit<AppDeps, 'sessions' | 'draining'> {
  port: number;
  host?: string;
  /** Origins allowed to open a socket; defaults to this server's own localhost URLs. */
  allowedOrigins?: string[];
  /** The built console; its index.html answers every non-API path so client routes load directly. */
  consoleDir?: string;
  /** One line per request (request id, route, status, time, workflow ids); none when absent. */
  log?: Logger;
  /** How long close() lets requests in flight finish before cutting them. */
  drainMs?: number;
  /** Reverse proxies in front of this node whose X-Forwarded-For and -Proto are believed (0: none). */
  trustedProxyHops?: number;
}

/** One HTTP server: the API under /api, Socket.IO, and the console, all on one URL. */
export async function startApiServer(options: ApiServerOptions) {
  const sessions = createSessionStore(options.database, options.sessionPolicy ?? DEFAULT_SESSION_POLICY);
  const paymentFigures = options.paymentFigures ?? createPaymentFiguresService(options);
  const overview = options.overview ?? createOverviewService(options);
  let draining = false;
  const api = createApp({ ...options, sessions, paymentFigures, overview, draining: () => draining });
  const root = new Hono();
  root.onError((err, c) => respondWithError(c, err));
  root.notFound(respondNotFound);
  root.use('*', trustProxies(options.trustedProxyHops ?? 0));
  let socketConnections = () => 0;
  const metrics = createApiMetrics({ database: options.database, socketConnections: () => socketConnections() });
  root.use('*', async (c, next) => {
    const started = performance.now();
    const workflowIds = await withRequestScope(async () => void (await metrics.measure(c, next)));
    options.log?.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round(performance.now() - started),
      workflowId: workflowIds.length > 0 ? workflowIds.join(',') : undefined,
    });
  });
  // Scraped by Prometheus on each node; the reverse proxy does not route it from outside.
  root.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  root.use('*', securityHeaders(options.consoleDir));
  root.route('/', api);
  if (options.consoleDir) {
    const consoleRoot = relative(process.cwd(), options.consoleDir) || '.';
    root.use('/*', serveStatic({ root: consoleRoot }));
    // Client-side routes load directly; unknown /api paths still get the JSON 404.
    root.get('/*', async (c, next) => (c.req.path.startsWith('/api/') ? next() : serveStatic({ root: consoleRoot, path: 'index.html' })(c, next)));
  }

  const httpServer = createAdaptorServer({ fetch: root.fetch }) as HttpServer;
  // Requests Node cannot even parse (raw bytes in the path…) still get the one error shape.
  httpServer.on('clientError', (_err, socket) => {
    if (!socket.writable) return socket.destroy();
    const body = JSON.stringify(errorBody('validation_failed', 'Malformed HTTP request.'));
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  let origins: string[] = options.allowedOrigins ?? [];
  const realtime = await attachRealtime(httpServer, { database: options.database, sessions, allowedOrigins: () => origins, paymentFigures, overview });
  socketConnections = () => realtime.io.engine.clientsCount;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  if (!options.allowedOrigins) origins = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];

  return {
    url: `http://localhost:${port}`,
    port,
    realtime,
    /**
     * Drains: readiness answers 503, no new connection is taken, sockets are told to go (the console
     * reconnects through the proxy to another node and refetches), requests in flight get drainMs.
     */
    async close() {
      draining = true;
      const cut = setTimeout(() => httpServer.closeAllConnections?.(), options.drainMs ?? 10_000);
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections?.();
      await realtime.close();
      await closed;
      clearTimeout(cut);
    },
  };
}
