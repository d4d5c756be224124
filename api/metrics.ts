import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client';
import { paymentsByStatus } from '../db/payment-figures';

/** Scrapes closer than this share one read of the payment counters. */
const PAYMENTS_READ_TTL_MS = 1_000;

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/**
 * Prometheus metrics of one API node, in a registry of its own (tests run several nodes in one
 * process): HTTP requests by route pattern (never by raw path, so ids do not make new series),
 * live sockets, and payments by cycle and status from the batch counters, never from payments.
 */
export function createApiMetrics({ database, socketConnections }: { database: Database; socketConnections: () => number }) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'jigi_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'jigi_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'jigi_socketio_connections',
    help: 'Socket.IO connections open on this API node',
    registers: [registry],
    collect() {
      this.set(socketConnections());
    },
  });

  let read: { at: number; rows: ReturnType<typeof paymentsByStatus> } | null = null;
  const payments = () => {
    if (!read || Date.now() - read.at > PAYMENTS_READ_TTL_MS) read = { at: Date.now(), rows: paymentsByStatus(database.sql) };
    return read.rows;
  };
  const paymentGauge = (name: string, help: string, value: (row: Awaited<ReturnType<typeof paymentsByStatus>>[number]) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['cycle_id', 'status'],
      registers: [registry],
      async collect() {
        const rows = await payments();
        this.reset();
        for (const r of rows) this.set({ cycle_id: r.cycleId, status: r.status }, value(r));
      },
    });
  paymentGauge('jigi_payments', 'Payments by cycle and status (the same figures on every API node)', (r) => r.payments);
  paymentGauge('jigi_payments_amount_fcfa', 'Amount of the payments by cycle and status, in FCFA', (r) => r.amountFcfa);

  /** Counts and times every request, labelled by the pattern of the route that answered it. */
  const measure: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const pattern = routePath(c);
      // Console files and unknown paths share one label: a path per series would grow without end.
      const route = pattern.startsWith('/api/') || pattern === '/metrics' ? pattern : 'other';
      const labels = { method: c.req.method, route, status: String(c.res.status) };
      requests.inc(labels);
      duration.observe(labels, (performance.now() - started) / 1000);
    }
  };

  return { registry, measure };
}
