// Reconciliation of the ledger with the agencies' statements (issue 6, item 7): each list's last
// reconciliation and the differences still open, and an operator's resolution of one, audited. A
// payment the agency paid but the ledger does not hold as paid is confirmed with the statement's
// reference; anything else is settled by the operator's note.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import { announcePaymentsChanged, refreshPaymentFigures } from '../../db/payment-figures';
import type { Database } from '../../db/client';
import { auditLog, paymentLists, paymentReconciliationItems, paymentReconciliations, payments, paymentStatusHistory } from '../../db/schema';
import { PAYMENT_STATUSES } from '../../domain/payments';
import { maskIdentifier } from '../../domain/personal-data';
import { authorize } from '../../domain/policy';
import { RECONCILIATION_ITEM_KINDS, resolutionConfirmsPayment } from '../../domain/reconciliation';
import type { Area } from '../../domain/roles';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, text } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';
import { requireCycleRow } from '../cycle-lookup';

const CycleParam = z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) });
const ItemParam = CycleParam.extend({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

const ListSummarySchema = z
  .object({
    listId: z.string(),
    regionCode: z.string(),
    communeCode: z.string(),
    agencyId: z.string(),
    tranche: z.number().int(),
    sequence: z.number().int(),
    reconciledAt: z.string(),
    runs: z.number().int(),
    matched: z.number().int(),
    mismatches: z.number().int(),
    ledgerTotalFcfa: z.number().int(),
    statementTotalFcfa: z.number().int(),
  })
  .openapi('ListReconciliation');

const ItemSchema = z
  .object({
    id: z.number().int(),
    listId: z.string(),
    paymentId: z.number().int(),
    kind: z.enum(RECONCILIATION_ITEM_KINDS),
    rsuId: z.string(),
    regionCode: z.string(),
    communeCode: z.string(),
    agencyId: z.string(),
    /** Masked ("•••• 4821"). */
    phone: z.string().nullable(),
    paymentStatus: z.enum(PAYMENT_STATUSES),
    ledgerAmountFcfa: z.number().int(),
    statementAmountFcfa: z.number().int().nullable(),
    agencyReference: z.string().nullable(),
    foundAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedByName: z.string().nullable(),
    resolutionNote: z.string().nullable(),
  })
  .openapi('ReconciliationItem');

const ReconciliationQuery = z
  .object({
    /** The id of the last item of the previous page. */
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const ResolveBody = z.object({ reason: text().trim().min(3).max(1000).openapi({ description: 'Why, as the operator checked it' }) }).strict();

const overview = guardedRoute('payments.read', {
  method: 'get',
  path: '/{cycleId}/reconciliation',
  summary: "Each list's last reconciliation with its agency's statement, and the differences still open, in your area",
  request: { params: CycleParam, query: ReconciliationQuery },
  responses: {
    200: json(z.object({ lists: z.array(ListSummarySchema), openItems: z.array(ItemSchema), nextAfter: z.number().int().nullable() }), 'Summaries and one page of open items'),
    400: json(ErrorSchema, 'Invalid query'),
    404: json(ErrorSchema, 'No such cycle'),
  },
});

const resolve = guardedRoute('payments.act', {
  method: 'post',
  path: '/{cycleId}/reconciliation/items/{id}/resolve',
  summary: "Resolve a difference: a payment the agency paid is confirmed with the statement's reference; others take the note",
  request: { params: ItemParam, ...body(ResolveBody) },
  responses: {
    200: json(z.object({ item: ItemSchema, paymentConfirmed: z.boolean() }), 'The item, resolved'),
    400: json(ErrorSchema, 'No reason given'),
    404: json(ErrorSchema, 'No such item in this cycle and your area'),
    409: json(ErrorSchema, 'Already resolved'),
  },
});

const communeArea = (l: { regionCode: string; communeCode: string }): Area => ({ level: 'commune', region: l.regionCode, commune: l.communeCode });

export function reconciliationRoutes({ database }: { database: Database }) {
  const { db } = database;

  async function requireCycle(cycleId: string) {
    await requireCycleRow(db, cycleId);
  }

  const itemColumns = { item: paymentReconciliationItems, payment: payments };
  const view = ({ item, payment }: { item: typeof paymentReconciliationItems.$inferSelect; payment: typeof payments.$inferSelect }) => ({
    id: item.id,
    listId: item.listId,
    paymentId: item.paymentId,
    kind: item.kind,
    rsuId: payment.rsuId,
    regionCode: payment.regionCode,
    communeCode: payment.communeCode,
    agencyId: payment.agencyId,
    phone: maskIdentifier(payment.phone),
    paymentStatus: payment.status,
    ledgerAmountFcfa: item.ledgerAmountFcfa,
    statementAmountFcfa: item.statementAmountFcfa,
    agencyReference: item.agencyReference,
    foundAt: item.foundAt.toISOString(),
    resolvedAt: item.resolvedAt?.toISOString() ?? null,
    resolvedByName: item.resolvedByName,
    resolutionNote: item.resolutionNote,
  });

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(overview, async (c) => {
      const { cycleId } = c.req.valid('param');
      const q = c.req.valid('query');
      await requireCycle(cycleId);
      const principal = principalIn(c);
      const mine = (l: { regionCode: string; communeCode: string }) => authorize(principal, 'payments.read', communeArea(l)).allowed;
      const summaries = await db
        .select({ r: paymentReconciliations, l: paymentLists })
        .from(paymentReconciliations)
        .innerJoin(paymentLists, eq(paymentLists.id, paymentReconciliations.listId))
        .where(eq(paymentReconciliations.cycleId, cycleId))
        .orderBy(asc(paymentLists.communeCode), asc(paymentLists.agencyId), asc(paymentLists.sequence));
      const area = principal.area;
      const inArea = area.level === 'national' ? undefined : area.level === 'region' ? eq(payments.regionCode, area.region) : eq(payments.communeCode, area.commune);
      const open = await db
        .select(itemColumns)
        .from(paymentReconciliationItems)
        .innerJoin(payments, eq(payments.id, paymentReconciliationItems.paymentId))
        .where(and(eq(paymentReconciliationItems.cycleId, cycleId), isNull(paymentReconciliationItems.resolvedAt), gt(paymentReconciliationItems.id, q.after), inArea))
        .orderBy(asc(paymentReconciliationItems.id))
        .limit(q.limit + 1);
      const page = open.slice(0, q.limit);
      return c.json(
        {
          lists: summaries
            .filter(({ l }) => mine(l))
            .map(({ r, l }) => ({
              listId: l.id,
              regionCode: l.regionCode,
              communeCode: l.communeCode,
              agencyId: l.agencyId,
              tranche: l.tranche,
              sequence: l.sequence,
              reconciledAt: r.reconciledAt.toISOString(),
              runs: r.runs,
              matched: r.matched,
              mismatches: r.mismatches,
              ledgerTotalFcfa: r.ledgerTotalFcfa,
              statementTotalFcfa: r.statementTotalFcfa,
            })),
          openItems: page.map(view),
          nextAfter: open.length > q.limit ? page.at(-1)!.item.id : null,
        },
        200,
      );
    })
    .openapi(resolve, async (c) => {
      const { cycleId, id } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      await requireCycle(cycleId);
      const principal = principalIn(c);
      const by = actorContext(c, principal);
      const itemId = /^\d{1,15}$/.test(id) ? Number(id) : null;
      const paymentConfirmed = await db.transaction(async (tx) => {
        const [found] = itemId
          ? await tx
              .select(itemColumns)
              .from(paymentReconciliationItems)
              .innerJoin(payments, eq(payments.id, paymentReconciliationItems.paymentId))
              .where(and(eq(paymentReconciliationItems.id, itemId), eq(paymentReconciliationItems.cycleId, cycleId)))
              .for('update')
          : [];
        if (!found || !authorize(principal, 'payments.read', communeArea(found.payment)).allowed) throw new ApiError(404, 'not_found', `No reconciliation item "${id}" in this cycle and your area.`);
        const refusal = authorize(principal, 'payments.act', communeArea(found.payment));
        if (!refusal.allowed) throw new ApiError(refusal.status, refusal.code, refusal.message);
        const { item, payment } = found;
        if (item.resolvedAt) throw new ApiError(409, 'rule_violated', `This item was resolved on ${item.resolvedAt.toISOString()}.`, { rule: 'already-resolved', itemId: item.id });
        const confirms = resolutionConfirmsPayment(item.kind, payment, item.statementKey === payment.idempotencyKey);
        if (confirms) {
          // The statement proves the money is out under this payment's key: the ledger follows it.
          await tx
            .update(payments)
            .set({ status: 'confirmed', agencyReference: item.agencyReference ?? payment.agencyReference, failureReason: null, lastError: null, confirmedAt: new Date(), updatedAt: new Date() })
            .where(eq(payments.id, payment.id));
          await tx.insert(paymentStatusHistory).values({
            paymentId: payment.id,
            fromStatus: payment.status,
            toStatus: 'confirmed',
            generation: payment.generation,
            detail: `reconciliation: paid on the agency's statement (${item.agencyReference ?? 'no reference'}): ${reason}`,
            actor: principal.id,
          });
        }
        await tx
          .update(paymentReconciliationItems)
          .set({ resolvedAt: new Date(), resolvedBy: principal.id, resolvedByName: principal.username, resolutionNote: reason })
          .where(eq(paymentReconciliationItems.id, item.id));
        await tx.insert(auditLog).values(
          auditRow(by, {
            action: 'payments.reconciliation.resolve',
            targetType: 'payment-reconciliation-item',
            targetId: String(item.id),
            before: { kind: item.kind, paymentId: payment.id, paymentStatus: payment.status },
            after: { paymentStatus: confirms ? 'confirmed' : payment.status, agencyReference: confirms ? item.agencyReference : undefined, reason },
          }),
        );
        return confirms;
      });
      const [after] = await db.select(itemColumns).from(paymentReconciliationItems).innerJoin(payments, eq(payments.id, paymentReconciliationItems.paymentId)).where(eq(paymentReconciliationItems.id, itemId!));
      if (paymentConfirmed && after) {
        await refreshPaymentFigures(database.sql, after.payment.listId, [after.payment.batchNo]);
        await announcePaymentsChanged(database.sql, cycleId, after.payment.listId);
      }
      return c.json({ item: view(after!), paymentConfirmed }, 200);
    });
}
