import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { paymentAgencies, payments } from '../../db/schema';
import { FAILURE_REASONS, OPEN_STATUSES, PAYMENT_STATUSES } from '../../domain/payments';
import { maskIdentifier } from '../../domain/personal-data';
import type { Principal } from '../../domain/roles';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { ErrorSchema } from '../schemas';
import { validationHook } from '../validation';
import { guardedRoute, json } from './guard';
import { requireCycleRow } from '../cycle-lookup';

/** What an operator looks at: payments that failed, and payments still open after a first attempt. */
const QUEUES = ['failed', 'retrying'] as const;
const areaCode = () => z.string().regex(/^[A-Z]{3}(-\d{3})?$/, 'Not an area code');

const PaymentsQuery = z
  .object({
    queue: z.enum(QUEUES).default('failed'),
    region: areaCode().optional(),
    commune: areaCode().optional(),
    agency: z.string().max(60).optional(),
    reason: z.enum(FAILURE_REASONS).optional(),
    /** The id of the last payment of the previous page. */
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const PaymentSchema = z
  .object({
    id: z.number().int(),
    rsuId: z.string(),
    regionCode: z.string(),
    communeCode: z.string(),
    agencyId: z.string(),
    agencyName: z.string(),
    fundingSource: z.string(),
    amountFcfa: z.number().int(),
    /** Masked ("•••• 4821"). */
    phone: z.string().nullable(),
    status: z.enum(PAYMENT_STATUSES),
    failureReason: z.enum(FAILURE_REASONS).nullable(),
    lastError: z.string().nullable(),
    attempts: z.number().int(),
    generation: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi('Payment');

const listPayments = guardedRoute('payments.read', {
  method: 'get',
  path: '/{cycleId}/payments',
  tags: ['payments'],
  summary: 'Failed payments, or payments still being retried (attempts, last error), in your area; filter by region, commune, agency, reason',
  request: { params: z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) }), query: PaymentsQuery },
  responses: {
    200: json(z.object({ payments: z.array(PaymentSchema), nextAfter: z.number().int().nullable() }), 'One page, oldest first'),
    400: json(ErrorSchema, 'Invalid query'),
    404: json(ErrorSchema, 'No such cycle'),
  },
});

/** Payments a principal may see: a regional or commune user sees their own area only. */
export function inArea(principal: Principal): SQL | undefined {
  const area = principal.area;
  if (area.level === 'national') return undefined;
  return area.level === 'region' ? eq(payments.regionCode, area.region) : eq(payments.communeCode, area.commune);
}

export function paymentRoutes({ database }: { database: Database }) {
  const { db } = database;
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook }).openapi(listPayments, async (c) => {
    const { cycleId } = c.req.valid('param');
    const q = c.req.valid('query');
    await requireCycleRow(db, cycleId);
    const queue =
      q.queue === 'failed'
        ? eq(payments.status, 'failed')
        : // Still open after a first try: Temporal is retrying the batch, or the answer is being settled.
          and(inArray(payments.status, [...OPEN_STATUSES]), sql`${payments.attempts} > 0`);
    const rows = await db
      .select({ payment: payments, agencyName: paymentAgencies.name })
      .from(payments)
      .innerJoin(paymentAgencies, eq(paymentAgencies.id, payments.agencyId))
      .where(
        and(
          eq(payments.cycleId, cycleId),
          queue,
          gt(payments.id, q.after),
          inArea(principalIn(c)),
          q.region ? eq(payments.regionCode, q.region) : undefined,
          q.commune ? eq(payments.communeCode, q.commune) : undefined,
          q.agency ? eq(payments.agencyId, q.agency) : undefined,
          q.reason ? eq(payments.failureReason, q.reason) : undefined,
        ),
      )
      .orderBy(asc(payments.id))
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    return c.json(
      {
        payments: page.map(({ payment: p, agencyName }) => ({
          id: p.id,
          rsuId: p.rsuId,
          regionCode: p.regionCode,
          communeCode: p.communeCode,
          agencyId: p.agencyId,
          agencyName,
          fundingSource: p.fundingSource,
          amountFcfa: p.amountFcfa,
          phone: maskIdentifier(p.phone),
          status: p.status,
          failureReason: p.failureReason,
          lastError: p.lastError,
          attempts: p.attempts,
          generation: p.generation,
          updatedAt: p.updatedAt.toISOString(),
        })),
        nextAfter: rows.length > q.limit ? page.at(-1)!.payment.id : null,
      },
      200,
    );
  });
}
