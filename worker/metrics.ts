import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Where the Temporal SDK's own Prometheus exporter listens: loopback only, read through this worker's /metrics. */
export const sdkMetricsAddress = (metricsPort: number) => `127.0.0.1:${metricsPort + 1}`;

/**
 * One /metrics per worker: this process's Node metrics (prom-client) followed by the Temporal SDK's
 * (task slots, poll and schedule-to-start latencies, activity and workflow task results) read from
 * the SDK's exporter, so Prometheus scrapes one port per worker.
 */
export async function startWorkerMetrics(options: { port: number; host?: string; sdkAddress: string }): Promise<{ port: number; close(): Promise<void> }> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    void Promise.all([
      registry.metrics(),
      fetch(`http://${options.sdkAddress}/metrics`, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.text())
        .catch((err: unknown) => `# Temporal SDK metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
    ]).then(([own, sdk]) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
