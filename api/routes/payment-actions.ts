// Operators' actions on failed payments: retry, re-route, cancel, for chosen payments or a filtered set,
// each with a reason. Every action is an Update of the cycle's disbursement workflow, whose validator
// checks the same rules (domain/payment-actions.ts); a bulk action above the cycle's threshold waits for
// a second operator's approval.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { Database } from '../../db/client';
import { paymentActions, paymentAgencies, payments } from '../../db/schema';
import { whyCycleIsClosed } from '../../domain/cycle';
import { phaseWorkflowId, isUuid } from '../../domain/ids';
import {
  actionApplies,
  MAX_PAYMENTS_PER_ACTION,
  PAYMENT_ACTION_STATUSES,
  PAYMENT_ACTIONS,
  whyCannotDecideAction,
  whyInvalidActionRequest,
  type PaymentActionRequest,
} from '../../domain/payment-actions';
import { FAILURE_REASONS } from '../../domain/payments';
import type { ActorContext, Principal } from '../../domain/roles';
import { decidePaymentActionUpdate, requestPaymentActionUpdate } from '../../workflows/messages';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema } from '../schemas';
import { validationHook } from '../validation';
import { guardedRoute, json } from './guard';
import { inArea } from './payments';
import { requireCycleRow } from '../cycle-lookup';

const areaCode = () => z.string().regex(/^[A-Z]{3}(-\d{3})?$/, 'Not an area code');
const CycleParam = z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) });
const ActionParam = CycleParam.extend({ actionId: z.string().openapi({ param: { name: 'actionId', in: 'path' } }) });

const FilterSchema = z
  .object({ region: areaCode().optional(), commune: areaCode().optional(), agency: z.string().max(60).optional(), reason: z.enum(FAILURE_REASONS).optional() })
  .strict();

const ActionRequestSchema = z
  .object({
    action: z.enum(PAYMENT_ACTIONS),
    paymentIds: z.array(z.number().int().positive()).min(1).max(MAX_PAYMENTS_PER_ACTION).optional(),
    filter: FilterSchema.optional(),
    toAgencyId: z.string().min(1).max(60).optional(),
    phone: z.string().min(6).max(20).optional().openapi({ example: '+22376123456' }),
    reason: z.string().trim().min(3).max(500),
  })
  .strict()
  .refine((r) => r.paymentIds !== undefined || r.filter !== undefined, { message: 'Choose payments by id or by a filter.' })
  .openapi('PaymentActionRequest');

const ActionSchema = z
  .object({
    id: z.string(),
    action: z.enum(PAYMENT_ACTIONS),
    status: z.enum(PAYMENT_ACTION_STATUSES),
    count: z.number().int(),
    appliedCount: z.number().int().nullable(),
    paymentIds: z.array(z.number().int()),
    filter: FilterSchema.nullable(),
    toAgencyId: z.string().nullable(),
    reason: z.string(),
    requestedBy: z.string(),
    requestedByName: z.string(),
    requestedAt: z.string(),
    decidedByName: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionReason: z.string().nullable(),
    /** May the caller approve or reject it, and if not, why. */
    canDecide: z.boolean(),
    whyNot: z.string().nullable(),
  })
  .openapi('PaymentAction');

const OutcomeSchema = z.object({ id: z.string(), status: z.enum(PAYMENT_ACTION_STATUSES), count: z.number().int(), applied: z.number().int() });

const errors = {
  400: json(ErrorSchema, 'Invalid request'),
  404: json(ErrorSchema, 'No such cycle, payment or action in your area'),
  409: json(ErrorSchema, 'Refused by a rule (nothing to act on, four eyes, phase not started or closing…)'),
};

const requestAction = guardedRoute('payments.act', {
  method: 'post',
  path: '/{cycleId}/payments/actions',
  tags: ['payments'],
  summary: 'Retry, re-route or cancel failed payments (chosen, or all matching a filter); above the threshold it waits for a second operator',
  request: { params: CycleParam, body: { content: { 'application/json': { schema: ActionRequestSchema } }, required: true } },
  responses: { 200: json(OutcomeSchema, 'Applied'), 202: json(OutcomeSchema, 'Waiting for a second operator'), ...errors },
});

const listActions = guardedRoute('payments.read', {
  method: 'get',
  path: '/{cycleId}/payments/actions',
  tags: ['payments'],
  summary: "Operators' actions on the cycle's payments, newest first",
  request: { params: CycleParam, query: z.object({ status: z.enum(PAYMENT_ACTION_STATUSES).optional() }).strict() },
  responses: { 200: json(z.object({ actions: z.array(ActionSchema) }), 'Actions'), 400: errors[400], 404: errors[404] },
});

const decideRoute = (decision: 'approve' | 'reject') =>
  guardedRoute('payments.act', {
    method: 'post',
    path: `/{cycleId}/payments/actions/{actionId}/${decision}`,
    tags: ['payments'],
    summary: decision === 'approve' ? 'Approve a bulk action another operator asked for (four eyes): it is applied' : 'Reject a bulk action another operator asked for',
    request: {
      params: ActionParam,
      body: { content: { 'application/json': { schema: z.object({ reason: z.string().trim().max(500).optional() }).strict() } }, required: false },
    },
    responses: { 200: json(OutcomeSchema, 'Decided'), ...errors },
  });

export interface PaymentActionRouteDeps {
  database: Database;
  temporal: Client;
}

export function paymentActionRoutes({ database, temporal }: PaymentActionRouteDeps) {
  const { db } = database;
  const disbursement = (cycleId: string) => temporal.workflow.getHandle(phaseWorkflowId(cycleId, 'disbursement'));

  async function requireOpenCycle(cycleId: string) {
    const row = await requireCycleRow(db, cycleId);
    const closed = whyCycleIsClosed(row.status);
    if (closed) throw new ApiError(409, 'rule_violated', closed.message, { rule: closed.rule });
    return row;
  }

  /** The workflow answers; a cycle not in disbursement has none to answer. */
  async function update<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new ApiError(409, 'rule_violated', 'The disbursement phase of this cycle has not started: there is nothing to act on yet.', { rule: 'disbursement-not-started' });
      }
      throw err;
    }
  }

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(requestAction, async (c) => {
      const { cycleId } = c.req.valid('param');
      const body = c.req.valid('json');
      await requireOpenCycle(cycleId);
      const principal = principalIn(c);
      let phone: string | undefined;
      if (body.phone !== undefined) {
        const parsed = parsePhoneNumberFromString(body.phone, 'ML');
        if (!parsed?.isValid()) throw new ApiError(400, 'validation_failed', `"${body.phone}" is not a valid phone number.`, { field: 'phone' });
        phone = parsed.number;
      }
      const request: PaymentActionRequest = { ...body, ...(phone ? { phone } : {}) };
      const invalid = whyInvalidActionRequest(request);
      if (invalid) throw new ApiError(409, 'rule_violated', invalid.message, { rule: invalid.rule });
      if (request.paymentIds) {
        const found = await db
          .select({ id: payments.id, status: payments.status, handedOver: sql<boolean>`payment_handed_over(${payments.attempts}, ${payments.listId}, ${payments.batchNo}, ${payments.updatedAt})` })
          .from(payments)
          .where(and(eq(payments.cycleId, cycleId), inArray(payments.id, request.paymentIds), inArea(principal)));
        const missing = request.paymentIds.filter((id) => !found.some((f) => f.id === id));
        if (missing.length > 0) throw new ApiError(404, 'not_found', `No payment ${missing.slice(0, 5).join(', ')} in this cycle and your area.`);
        if (!found.some((p) => actionApplies(request.action, p))) {
          throw new ApiError(409, 'rule_violated', 'None of these payments can take this action: only failed payments are retried, re-routed or cancelled.', { rule: 'nothing-to-act-on' });
        }
      }
      if (request.toAgencyId) {
        const [agency] = await db.select({ id: paymentAgencies.id }).from(paymentAgencies).where(eq(paymentAgencies.id, request.toAgencyId));
        if (!agency) throw new ApiError(404, 'not_found', `No payment agency "${request.toAgencyId}".`);
      }
      const by = actorContext(c, principal);
      const outcome = await update(() => disbursement(cycleId).executeUpdate(requestPaymentActionUpdate, { args: [{ actor: principal.username, by, request }] }));
      const answer = { id: outcome.id, status: outcome.status, count: outcome.count, applied: outcome.applied };
      return outcome.status === 'awaiting-approval' ? c.json(answer, 202) : c.json(answer, 200);
    })
    .openapi(listActions, async (c) => {
      const { cycleId } = c.req.valid('param');
      const { status } = c.req.valid('query');
      await requireCycleRow(db, cycleId);
      const principal = principalIn(c);
      const rows = await db
        .select()
        .from(paymentActions)
        .where(and(eq(paymentActions.cycleId, cycleId), status ? eq(paymentActions.status, status) : undefined))
        .orderBy(desc(paymentActions.requestedAt))
        .limit(200);
      // An action is shown to a regional reader only if it touches their area.
      const visible = principal.area.level === 'national' ? rows : await withinArea(rows, principal);
      const mayAct = principal.roles.includes('payment-operator');
      return c.json(
        {
          actions: visible.map((a) => {
            const why = mayAct ? whyCannotDecideAction(a, principal.id) : { message: 'Only a payment operator decides on payment actions.' };
            return {
              id: a.id,
              action: a.action,
              status: a.status,
              count: a.paymentIds.length,
              appliedCount: a.appliedCount,
              paymentIds: a.paymentIds.slice(0, MAX_PAYMENTS_PER_ACTION),
              filter: a.filter ?? null,
              toAgencyId: a.toAgencyId,
              reason: a.reason,
              requestedBy: a.requestedBy,
              requestedByName: a.requestedByName,
              requestedAt: a.requestedAt.toISOString(),
              decidedByName: a.decidedByName,
              decidedAt: a.decidedAt?.toISOString() ?? null,
              decisionReason: a.decisionReason,
              canDecide: why === null,
              whyNot: why?.message ?? null,
            };
          }),
        },
        200,
      );
    })
    .openapi(decideRoute('approve'), async (c) => {
      const { cycleId, actionId } = c.req.valid('param');
      return c.json(await decide(cycleId, actionId, true, c.req.valid('json')?.reason, actorContext(c, principalIn(c))), 200);
    })
    .openapi(decideRoute('reject'), async (c) => {
      const { cycleId, actionId } = c.req.valid('param');
      return c.json(await decide(cycleId, actionId, false, c.req.valid('json')?.reason, actorContext(c, principalIn(c))), 200);
    });

  async function withinArea<T extends { paymentIds: number[] }>(rows: T[], principal: Principal): Promise<T[]> {
    const ids = [...new Set(rows.flatMap((r) => r.paymentIds.slice(0, 1)))];
    if (ids.length === 0) return [];
    const mine = new Set((await db.select({ id: payments.id }).from(payments).where(and(inArray(payments.id, ids), inArea(principal)))).map((r) => r.id));
    return rows.filter((r) => r.paymentIds.length > 0 && mine.has(r.paymentIds[0]!));
  }

  async function decide(cycleId: string, actionId: string, approve: boolean, reason: string | undefined, by: ActorContext) {
    await requireOpenCycle(cycleId);
    const [row] = isUuid(actionId)
      ? await db.select({ status: paymentActions.status, requestedBy: paymentActions.requestedBy }).from(paymentActions).where(and(eq(paymentActions.id, actionId), eq(paymentActions.cycleId, cycleId)))
      : [];
    if (!row) throw new ApiError(404, 'not_found', `No payment action "${actionId}" in this cycle.`);
    const why = whyCannotDecideAction(row, by.principal.id);
    if (why) throw new ApiError(409, 'rule_violated', why.message, { rule: why.rule });
    const outcome = await update(() =>
      disbursement(cycleId).executeUpdate(decidePaymentActionUpdate, { args: [{ actor: by.principal.username, by, actionId, approve, ...(reason ? { reason } : {}) }] }),
    );
    return { id: outcome.id, status: outcome.status, count: outcome.count, applied: outcome.applied };
  }
}
