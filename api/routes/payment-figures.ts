// Live disbursement figures of a cycle, as seen from the reader's area; the stream sends the same shape.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Database } from '../../db/client';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { ErrorSchema } from '../schemas';
import type { PaymentFiguresService } from '../services/payment-figures';
import { validationHook } from '../validation';
import { guardedRoute, json } from './guard';
import { requireCycleRow } from '../cycle-lookup';

const counts = {
  payments: z.number().int(),
  amountFcfa: z.number().int(),
  paid: z.number().int(),
  paidFcfa: z.number().int(),
  failed: z.number().int(),
  failedFcfa: z.number().int(),
  inFlight: z.number().int(),
  inFlightFcfa: z.number().int(),
  cancelled: z.number().int(),
  cancelledFcfa: z.number().int(),
};
const Row = z.object({ key: z.string(), name: z.string(), ...counts });

const PaymentFiguresSchema = z
  .object({
    cycleId: z.string(),
    area: z.union([
      z.object({ level: z.literal('national') }),
      z.object({ level: z.literal('region'), region: z.string() }),
      z.object({ level: z.literal('commune'), region: z.string(), commune: z.string() }),
    ]),
    at: z.string(),
    totals: z.object(counts),
    budgetFcfa: z.number().int().nullable(),
    reservedFcfa: z.number().int(),
    executionRate: z.number().nullable(),
    byRegion: z.array(Row),
    byAgency: z.array(Row),
    byFundingSource: z.array(Row.extend({ budgetFcfa: z.number().int().nullable(), reservedFcfa: z.number().int(), executionRate: z.number().nullable() })),
    ratePerSecond: z.number().nullable(),
    secondsLeft: z.number().int().nullable(),
  })
  .openapi('PaymentFigures');

const figuresRoute = guardedRoute('payments.read', {
  method: 'get',
  path: '/{cycleId}/payments/figures',
  tags: ['payments'],
  summary: 'Paid, failed, in flight and cancelled payments, amount disbursed, execution rate, rate and time left, per region, agency and funding source, in your area',
  request: { params: z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) }) },
  responses: { 200: json(z.object({ figures: PaymentFiguresSchema }), 'The figures'), 404: json(ErrorSchema, 'No such cycle') },
});

export function paymentFiguresRoutes({ database, paymentFigures }: { database: Database; paymentFigures: PaymentFiguresService }) {
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook }).openapi(figuresRoute, async (c) => {
    const { cycleId } = c.req.valid('param');
    await requireCycleRow(database.db, cycleId);
    return c.json({ figures: await paymentFigures.figures(cycleId, principalIn(c).area) }, 200);
  });
}
