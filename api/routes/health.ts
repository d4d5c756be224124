import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Database } from '../../db/client';
import { guardedRoute } from './guard';

const DependencySchema = z.object({ ok: z.boolean(), latencyMs: z.number().int(), error: z.string().optional() });
const HealthSchema = z
  .object({ status: z.enum(['ok', 'degraded']), postgres: DependencySchema, temporal: DependencySchema })
  .openapi('Health');

const health = guardedRoute('public', {
  method: 'get',
  path: '/',
  tags: ['health'],
  summary: 'Reachability of Postgres and Temporal; answers without sign-in',
  responses: {
    200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Everything reachable' },
    503: { content: { 'application/json': { schema: HealthSchema } }, description: 'A dependency is unreachable' },
  },
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

export function healthRoutes({ database, temporal }: { database: Database; temporal: Client }) {
  return new OpenAPIHono().openapi(health, async (c) => {
    const [postgres, temporalStatus] = await Promise.all([
      probe(() => database.sql`select 1`),
      probe(() => temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = postgres.ok && temporalStatus.ok;
    return c.json({ status: ok ? 'ok' : 'degraded', postgres, temporal: temporalStatus } as const, ok ? 200 : 503);
  });
}
