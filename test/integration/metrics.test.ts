import type { ChildProcess } from 'node:child_process';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/log';
import { freePort } from '../../scripts/stack/temporal-dev-server';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { payableCycle } from '../support/payment-run';
import { startApiServer } from '../../api/server';
import { createUser, signInAs } from '../support/users';
import { killProcess, startWorkerProcess } from '../support/worker-process';

let stack: TestStack;
let base: string;
let worker: ChildProcess | null = null;
let workerOutput = '';
let metricsPort: number;
let socket: Socket | null = null;
const apiLines: string[] = [];

beforeAll(async () => {
  stack = await startTestStack('metrics', { worker: false });
  base = (await stack.startApi({ log: createLogger('api', 'json', (line) => apiLines.push(line)) })).url;
  metricsPort = await freePort();
  worker = await startWorkerProcess(stack, { JIGI_METRICS_PORT: String(metricsPort), JIGI_LOG_FORMAT: 'json' });
  worker.stdout!.on('data', (d) => (workerOutput += d));
});
afterAll(async () => {
  socket?.disconnect();
  if (worker) await killProcess(worker);
  await stack?.stop();
});

/** The value of one series in a Prometheus text answer, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('observability', () => {
  it('the API answers liveness and readiness, and /metrics counts requests by route, sockets and payments by status', async () => {
    expect((await fetch(`${base}/api/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/api/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', postgres: { ok: true }, temporal: { ok: true } });
    await fetch(`${base}/api/health/ready`);

    const [operator, approver, releaser] = await Promise.all([
      signInAs(stack.database, base, ['payment-operator']),
      signInAs(stack.database, base, ['coordinator']),
      signInAs(stack.database, base, ['coordinator']),
    ]);
    const { cycleId } = await payableCycle(stack, {
      communes: [{ region: 'KAY', commune: 'KAY-001' }],
      perCommune: 20,
      agencyId: 'metrics-agency',
      agencyUrl: 'http://127.0.0.1:9',
      ratePerSecond: 100,
      batchSize: 10,
      signers: [operator, approver, releaser],
    });
    await fetch(`${base}/api/cycles/00000000-0000-4000-8000-00000000dead`, { headers: { cookie: approver.cookie } });

    socket = connect(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: approver.cookie } });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', resolve);
      socket!.once('connect_error', reject);
    });

    const scraped = await fetch(`${base}/metrics`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await scraped.text();
    expect(sample(text, 'jigi_http_requests_total{method="GET",route="/api/health/ready",status="200"}')).toBe(2);
    // A path with an id is counted under its route pattern, not a series per id.
    expect(sample(text, 'jigi_http_requests_total{method="GET",route="/api/cycles/:cycleId",status="404"}')).toBe(1);
    expect(text).not.toContain('00000000-0000-4000-8000-00000000dead');
    expect(sample(text, 'jigi_http_request_duration_seconds_count{method="GET",route="/api/health/ready",status="200"}')).toBe(2);
    expect(sample(text, 'jigi_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/health/ready",status="200"}')).toBe(2);
    expect(sample(text, 'jigi_socketio_connections')).toBe(1);
    expect(sample(text, `jigi_payments{cycle_id="${cycleId}",status="pending"}`)).toBe(20);
    expect(sample(text, `jigi_payments_amount_fcfa{cycle_id="${cycleId}",status="pending"}`)).toBe(20 * 90_000);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('a request that starts a workflow is logged as one JSON line with its request id and the workflow id', async () => {
    const coordinator = await signInAs(stack.database, base, ['coordinator']);
    const created = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    expect(created.status).toBe(201);
    const entries = apiLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = entries.find((e) => e.method === 'POST' && e.path === '/api/cycles' && e.status === 201);
    expect(line).toMatchObject({ level: 'info', component: 'api', msg: 'request', workflowId: `cycle:${created.body.cycle.id}` });
    expect(line!.requestId).toEqual(expect.any(String));
    expect(line!.durationMs).toEqual(expect.any(Number));
  });

  it('behind the proxy, the caller is the address the proxy saw and a TLS sign-in cookie is Secure; a direct caller cannot forge either', async () => {
    const user = await createUser(stack.database, ['grievance-officer']);
    const proxied = await startApiServer({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue, port: 0, host: '127.0.0.1', filesDir: stack.filesDir, trustedProxyHops: 1 });
    try {
      const signIn = (url: string) =>
        fetch(`${url}/api/auth/login`, {
          method: 'POST',
          // The caller wrote the first entry; the proxy appended the address it saw.
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.9, 203.0.113.7', 'x-forwarded-proto': 'https' },
          body: JSON.stringify({ username: user.username, password: user.password }),
        });
      const behind = await signIn(proxied.url);
      expect(behind.status).toBe(200);
      expect(behind.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
      const direct = await signIn(base);
      expect(direct.status).toBe(200);
      expect(direct.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
      const rows = await stack.database.sql<Array<{ ip: string }>>`
        select host(ip) as ip from audit_log where action = 'auth.sign-in' and actor_username = ${user.username} order by id`;
      expect(rows.map((r) => r.ip)).toEqual(['203.0.113.7', '127.0.0.1']);
    } finally {
      await proxied.close();
    }
  });

  it('an API node shutting down tells its consoles to go (they reconnect elsewhere), stops taking requests and does not wait on idle connections', async () => {
    const leaving = await startApiServer({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue, port: 0, host: '127.0.0.1', filesDir: stack.filesDir, drainMs: 30_000 });
    const session = await signInAs(stack.database, leaving.url, ['coordinator']);
    const console = connect(leaving.url, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: session.cookie } });
    await new Promise<void>((resolve, reject) => {
      console.once('connect', resolve);
      console.once('connect_error', reject);
    });
    const told = new Promise<string>((resolve) => console.once('disconnect', (reason) => resolve(reason)));
    const started = performance.now();
    await leaving.close();
    expect(performance.now() - started).toBeLessThan(5_000);
    // A transport closed, not 'io server disconnect' (an ended session, after which a client does not reconnect).
    expect(await told).toBe('transport close');
    await expect(fetch(`${leaving.url}/api/health/live`)).rejects.toThrow();
  });

  it('a worker exposes its Node metrics and the Temporal SDK metrics on one /metrics', async () => {
    // The SDK exports on its own schedule: wait for its first poll figures.
    let text = '';
    for (let i = 0; i < 50 && !/^temporal_num_pollers/m.test(text); i++) {
      text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      if (!/^temporal_num_pollers/m.test(text)) await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(text).toMatch(/^temporal_num_pollers\{.*poller_type="workflow_task".*\} \d/m);
    expect(text).toMatch(/^temporal_request_total\{/m);
  });

  it('SIGTERM stops a worker cleanly: it stops polling, closes, says so in JSON and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
    worker!.kill('SIGTERM');
    expect(await exited).toBe(0);
    worker = null;
    const stopped = workerOutput.split('\n').find((l) => l.includes('"stopped"')) ?? '';
    expect(JSON.parse(stopped)).toMatchObject({ level: 'info', component: 'worker', msg: 'stopped' });
  });
});
