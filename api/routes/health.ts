import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client';
import { guardedRoute } from './guard';

const DependencySchema = z.object({ ok: z.boolean(), latencyMs: z.number().int(), error: z.string().optional() });
const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded', 'draining']), postgres: DependencySchema, temporal: DependencySchema })
  .openapi('Health');
const LiveSchema = z.object({ status: z.literal('ok') }).openapi('Liveness');

const responses = {
  200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Everything reachable' },
  503: { content: { 'application/json': { schema: HealthSchema } }, description: 'A dependency is unreachable, or this node is shutting down' },
};
const health = guardedRoute('public', {
  method: 'get',
  path: '/',
  tags: ['health'],
  summary: 'Reachability of Postgres and Temporal; answers without sign-in',
  responses,
});
const ready = guardedRoute('public', {
  method: 'get',
  path: '/ready',
  tags: ['health'],
  summary: 'Readiness: Postgres and Temporal reachable and the node not shutting down (the load balancer routes to it only then)',
  responses,
});
const live = guardedRoute('public', {
  method: 'get',
  path: '/live',
  tags: ['health'],
  summary: 'Liveness: the process answers; checks nothing else, so a database outage does not get every node restarted',
  responses: { 200: { content: { 'application/json': { schema: LiveSchema } }, description: 'The process answers' } },
});

async function probe(check: () => Promise<unknown>): Promise<z.infer<typeof DependencySchema>> {
  const started = performance.now();
  try {
    await Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref())]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  }
}

export function healthRoutes({ database, temporal, draining = () => false }: { database: Database; temporal: Client; draining?: () => boolean }) {
  const check = async () => {
    const [postgres, temporalStatus] = await Promise.all([
      probe(() => database.sql`select 1`),
      probe(() => temporal.workflowService.getSystemInfo({})),
    ]);
    const status = draining() ? 'draining' : postgres.ok && temporalStatus.ok ? 'ok' : 'degraded';
    return { body: { status, postgres, temporal: temporalStatus } as const, code: status === 'ok' ? (200 as const) : (503 as const) };
  };
  return new OpenAPIHono()
    .openapi(health, async (c) => {
      const { body, code } = await check();
      return c.json(body, code);
    })
    .openapi(ready, async (c) => {
      const { body, code } = await check();
      return c.json(body, code);
    })
    .openapi(live, (c) => c.json({ status: 'ok' } as const, 200));
}
