// Release controls before money moves: a cycle's payment lists with their release state, and the
// three signatures (approval, authorisation, finance release) that release one. The rules are those of
// domain/payment-release.ts, checked in one transaction holding the list's row lock; the last
// signature reserves the list's total on its funding source's budget line in that same transaction.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { auditLog, budgetReservations, cycleFundingSources, paymentListSignatures, paymentLists, payments, procurementCases } from '../../db/schema';
import { whyCycleIsClosed } from '../../domain/cycle';
import { cycleSettings } from '../../domain/cycle-settings';
import { FUNDING_SOURCES } from '../../domain/funding';
import { isUuid, phaseWorkflowId } from '../../domain/ids';
import { paymentListsReleasedSignal } from '../../workflows/messages';
import { announcePaymentsChanged, refreshListFigures } from '../../db/payment-figures';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { PAYMENT_LIST_STATUSES, paymentIdempotencyKey } from '../../domain/payments';
import { completesRelease, currentStage, RELEASE_STAGES, signaturesRequired, whyBudgetOverrun, whyCannotSign, type ReleaseStage } from '../../domain/payment-release';
import { authorize, type Action } from '../../domain/policy';
import { disbursementGates, disbursementOpenIn } from '../../domain/procurement';
import type { Area } from '../../domain/roles';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, text } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';
import { requireCycleRow } from '../cycle-lookup';

const CycleParam = z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) });
const ListParam = CycleParam.extend({ listId: z.string().openapi({ param: { name: 'listId', in: 'path' } }) });

const StageCounts = z.object(Object.fromEntries(RELEASE_STAGES.map((s) => [s, z.number().int()])) as Record<ReleaseStage, z.ZodNumber>);

const PaymentListSchema = z
  .object({
    id: z.string(),
    regionCode: z.string(),
    communeCode: z.string(),
    agencyId: z.string(),
    tranche: z.number().int(),
    sequence: z.number().int(),
    fundingSource: z.enum(FUNDING_SOURCES),
    status: z.enum(PAYMENT_LIST_STATUSES),
    declaredCount: z.number().int(),
    declaredTotalFcfa: z.number().int(),
    builtCount: z.number().int().nullable(),
    builtTotalFcfa: z.number().int().nullable(),
    signaturesRequired: StageCounts,
    signatures: z.array(z.object({ stage: z.enum(RELEASE_STAGES), signedBy: z.string(), signedByName: z.string(), signedAt: z.string() })),
    /** The stage waiting for a signature; null once released. */
    waitingFor: z.enum(RELEASE_STAGES).nullable(),
    reservedFcfa: z.number().int().nullable(),
    releasedAt: z.string().nullable(),
  })
  .openapi('PaymentList');

const errors = {
  404: json(ErrorSchema, 'No such cycle or payment list in your area'),
  409: json(ErrorSchema, 'Refused by a release control (envelope mismatch, budget overrun, same signer twice, stage out of turn…)'),
};

const listAll = guardedRoute('payments.read', {
  method: 'get',
  path: '/{cycleId}/payment-lists',
  summary: "The cycle's payment lists in your area, with their envelope, signatures and release state",
  request: { params: CycleParam },
  responses: { 200: json(z.object({ lists: z.array(PaymentListSchema) }), 'The payment lists'), 404: errors[404] },
});

/** Each stage is its own operation, so the permission matrix sees which role signs which stage. */
const STAGE_ROUTES: Array<{ stage: ReleaseStage; action: Action; segment: string; summary: string }> = [
  { stage: 'approval', action: 'payments.approve', segment: 'approve', summary: 'Approve a built payment list (first release stage)' },
  { stage: 'authorisation', action: 'payments.authorize', segment: 'authorize', summary: 'Authorise an approved payment list (second release stage)' },
  { stage: 'finance-release', action: 'payments.release-funds', segment: 'release-funds', summary: "Release an authorised list's funds: the last signature reserves its total on the budget line" },
];

const signRoute = (r: (typeof STAGE_ROUTES)[number]) =>
  guardedRoute(r.action, {
    method: 'post',
    path: `/{cycleId}/payment-lists/{listId}/${r.segment}`,
    summary: r.summary,
    request: { params: ListParam },
    responses: { 200: json(z.object({ list: PaymentListSchema }), 'The list after this signature'), 404: errors[404], 409: errors[409] },
  });

/** A signer signs many lists at once (a tranche's hundreds of communes), each checked as if signed alone. */
const MAX_LISTS_PER_SIGNATURE = 1_000;
const signManyRoute = (r: (typeof STAGE_ROUTES)[number]) =>
  guardedRoute(r.action, {
    method: 'post',
    path: `/{cycleId}/payment-lists/${r.segment}`,
    summary: `${r.summary}, for several lists at once: every list signed, or none (the first refusal names its list)`,
    request: { params: CycleParam, ...body(z.object({ listIds: z.array(z.string().uuid()).min(1).max(MAX_LISTS_PER_SIGNATURE) }).strict()) },
    responses: {
      200: json(z.object({ lists: z.array(PaymentListSchema) }), 'The lists after this signature, in the order asked'),
      400: json(ErrorSchema, 'No list, too many, or one twice'),
      404: errors[404],
      409: errors[409],
    },
  });

const followUpRoute = guardedRoute('payments.act', {
  method: 'post',
  path: '/{cycleId}/payment-lists/{listId}/follow-up',
  summary: "Gather a released list's failed payments into a follow-up list (next sequence, next key generation), to be released like any list",
  request: { params: ListParam, ...body(z.object({ reason: text().trim().min(3).max(1000) }).strict()) },
  responses: {
    201: json(z.object({ list: PaymentListSchema, moved: z.number().int() }), 'The follow-up list, built and waiting for its release signatures'),
    400: json(ErrorSchema, 'No reason given'),
    404: errors[404],
    409: json(ErrorSchema, 'The list is not released or closed, or has no failed payment'),
  },
});

/** The lists a follow-up list is gathered from: sent, so their failures are known. */
const FOLLOW_UP_FROM: readonly string[] = ['released', 'closed'];

type ListRow = typeof paymentLists.$inferSelect;
const communeArea = (l: Pick<ListRow, 'regionCode' | 'communeCode'>): Area => ({ level: 'commune', region: l.regionCode, commune: l.communeCode });

export function paymentListRoutes({ database, temporal }: { database: Database; temporal?: Client }) {
  const { db } = database;

  /** A released list is the disbursement workflow's to send: tell it, if the phase has started. */
  async function announceRelease(cycleId: string) {
    if (!temporal) return;
    try {
      await temporal.workflow.getHandle(phaseWorkflowId(cycleId, 'disbursement')).signal(paymentListsReleasedSignal);
    } catch (err) {
      // Before the phase starts there is no workflow: it takes every released list when it starts.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  async function requireCycle(cycleId: string) {
    const row = await requireCycleRow(db, cycleId);
    return { ...row, settings: cycleSettings(row.settings) };
  }

  async function describe(lists: ListRow[], bands: ReturnType<typeof cycleSettings>['releaseSignatureBands']) {
    const ids = lists.map((l) => l.id);
    const signed = ids.length
      ? await db.select().from(paymentListSignatures).where(inArray(paymentListSignatures.listId, ids)).orderBy(asc(paymentListSignatures.id))
      : [];
    const reserved = ids.length ? await db.select().from(budgetReservations).where(inArray(budgetReservations.listId, ids)) : [];
    return lists.map((l) => {
      const signatures = signed.filter((s) => s.listId === l.id);
      return {
        id: l.id,
        regionCode: l.regionCode,
        communeCode: l.communeCode,
        agencyId: l.agencyId,
        tranche: l.tranche,
        sequence: l.sequence,
        fundingSource: l.fundingSource,
        status: l.status,
        declaredCount: l.declaredCount,
        declaredTotalFcfa: l.declaredTotalFcfa,
        builtCount: l.builtCount,
        builtTotalFcfa: l.builtTotalFcfa,
        signaturesRequired: signaturesRequired(l.declaredTotalFcfa, bands),
        signatures: signatures.map((s) => ({ stage: s.stage, signedBy: s.signedBy, signedByName: s.signedByName, signedAt: s.signedAt.toISOString() })),
        waitingFor: l.status === 'released' ? null : currentStage(l.declaredTotalFcfa, signatures, bands),
        reservedFcfa: reserved.find((r) => r.listId === l.id)?.amountFcfa ?? null,
        releasedAt: l.releasedAt?.toISOString() ?? null,
      };
    });
  }

  let app = new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook }).openapi(listAll, async (c) => {
    const { cycleId } = c.req.valid('param');
    const cycle = await requireCycle(cycleId);
    const principal = principalIn(c);
    const rows = await db.select().from(paymentLists).where(eq(paymentLists.cycleId, cycleId)).orderBy(asc(paymentLists.communeCode), asc(paymentLists.agencyId), asc(paymentLists.tranche), asc(paymentLists.sequence));
    const mine = rows.filter((l) => authorize(principal, 'payments.read', communeArea(l)).allowed);
    return c.json({ lists: await describe(mine, cycle.settings.releaseSignatureBands) }, 200);
  });

  type Tx = Parameters<Parameters<typeof db.transaction>[0]>[0];
  interface Signing {
    cycleId: string;
    principal: ReturnType<typeof principalIn>;
    by: ReturnType<typeof actorContext>;
    bands: ReturnType<typeof cycleSettings>['releaseSignatureBands'];
    stageRoute: (typeof STAGE_ROUTES)[number];
  }

  /** One signature on one list, every release control checked, inside the caller's transaction. */
  async function signList(tx: Tx, { cycleId, principal, by, bands, stageRoute }: Signing, listId: string, cases: Parameters<typeof disbursementGates>[0]) {
    const { stage, action } = stageRoute;
    // The list's row lock orders concurrent signatures; the budget line's orders reservations.
    const [list] = isUuid(listId) ? await tx.select().from(paymentLists).where(and(eq(paymentLists.id, listId), eq(paymentLists.cycleId, cycleId))).for('update') : [];
    if (!list || !authorize(principal, 'payments.read', communeArea(list)).allowed) throw new ApiError(404, 'not_found', `No payment list "${listId}" in this cycle and your area.`);
    const refusal = authorize(principal, action, communeArea(list));
    if (!refusal.allowed) throw new ApiError(refusal.status, refusal.code, refusal.message);
    // No money moves where no payment agency is under contract: the lot's procurement case must be mobilised.
    if (!disbursementOpenIn(disbursementGates(cases), { region: list.regionCode, commune: list.communeCode })) {
      const message = `No payment agency is mobilised for commune ${list.communeCode}: its lot's procurement case must reach "agency mobilised" first.`;
      throw new ApiError(409, 'rule_violated', message, { rule: 'lot-not-mobilised', listId });
    }
    const signatures = await tx.select().from(paymentListSignatures).where(eq(paymentListSignatures.listId, list.id));
    const why = whyCannotSign({ status: list.status, envelope: list, signatures, stage, signer: principal.id, bands });
    if (why) throw new ApiError(409, 'rule_violated', why.message, { rule: why.rule, listId });
    const signature = { listId: list.id, stage, signedBy: principal.id, signedByName: principal.username };
    await tx.insert(paymentListSignatures).values(signature);
    let reservedFcfa: number | null = null;
    if (completesRelease(list.declaredTotalFcfa, signatures, signature, bands)) {
      const [line] = await tx
        .select({ amountFcfa: cycleFundingSources.amountFcfa })
        .from(cycleFundingSources)
        .where(and(eq(cycleFundingSources.cycleId, cycleId), eq(cycleFundingSources.source, list.fundingSource)))
        .for('update');
      const [sum] = await tx
        .select({ reserved: sql<number>`coalesce(sum(${budgetReservations.amountFcfa}), 0)::bigint`.mapWith(Number) })
        .from(budgetReservations)
        .where(and(eq(budgetReservations.cycleId, cycleId), eq(budgetReservations.fundingSource, list.fundingSource)));
      const overrun = whyBudgetOverrun(line ? { fundingSource: list.fundingSource, amountFcfa: line.amountFcfa, reservedFcfa: sum?.reserved ?? 0 } : null, list.declaredTotalFcfa);
      if (overrun) throw new ApiError(409, 'rule_violated', overrun.message, { rule: overrun.rule, listId });
      reservedFcfa = list.declaredTotalFcfa;
      await tx.insert(budgetReservations).values({ listId: list.id, cycleId, fundingSource: list.fundingSource, amountFcfa: reservedFcfa });
      await tx.update(paymentLists).set({ status: 'released', releasedAt: new Date() }).where(eq(paymentLists.id, list.id));
    }
    await tx.insert(auditLog).values(
      auditRow(by, { action: `payments.list.${stageRoute.segment}`, targetType: 'payment-list', targetId: list.id, before: { status: list.status }, after: { stage, reservedFcfa, released: reservedFcfa !== null } }),
    );
  }

  /** Signs the lists in one transaction, in id order (no deadlock between two signers): all signed, or none. */
  async function sign(c: Context<{ Variables: AuthVariables }>, cycleId: string, listIds: readonly string[], stageRoute: Signing['stageRoute']) {
    const cycle = await requireCycle(cycleId);
    const closed = whyCycleIsClosed(cycle.status);
    if (closed) throw new ApiError(409, 'rule_violated', closed.message, { rule: closed.rule });
    const principal = principalIn(c);
    const signing: Signing = { cycleId, principal, by: actorContext(c, principal), bands: cycle.settings.releaseSignatureBands, stageRoute };
    await db.transaction(async (tx) => {
      const cases = await tx
        .select({ caseId: procurementCases.id, kind: procurementCases.kind, status: procurementCases.status, lot: procurementCases.lot, currentStep: procurementCases.currentStep })
        .from(procurementCases)
        .where(eq(procurementCases.cycleId, cycleId));
      for (const listId of [...listIds].sort()) await signList(tx, signing, listId, cases);
    });
    const after = await db.select().from(paymentLists).where(and(eq(paymentLists.cycleId, cycleId), inArray(paymentLists.id, [...listIds].filter(isUuid))));
    if (after.some((l) => l.status === 'released')) await announceRelease(cycleId);
    const described = await describe(after, signing.bands);
    return listIds.map((id) => described.find((l) => l.id === id)!);
  }

  for (const stageRoute of STAGE_ROUTES) {
    app = app
      .openapi(signRoute(stageRoute), async (c) => {
        const { cycleId, listId } = c.req.valid('param');
        const [list] = await sign(c, cycleId, [listId], stageRoute);
        return c.json({ list: list! }, 200);
      })
      .openapi(signManyRoute(stageRoute), async (c) => {
        const { cycleId } = c.req.valid('param');
        const { listIds } = c.req.valid('json');
        if (new Set(listIds).size !== listIds.length) throw new ApiError(400, 'validation_failed', 'A list appears twice in listIds.');
        return c.json({ lists: await sign(c, cycleId, listIds, stageRoute) }, 200);
      });
  }

  return app.openapi(followUpRoute, async (c) => {
    const { cycleId, listId } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    const cycle = await requireCycle(cycleId);
    const closed = whyCycleIsClosed(cycle.status);
    if (closed) throw new ApiError(409, 'rule_violated', closed.message, { rule: closed.rule, listId });
    const principal = principalIn(c);
    const by = actorContext(c, principal);
    const { newListId, moved } = await db.transaction(async (tx) => {
      // The list's row lock orders a follow-up against another one and against signatures.
      const [list] = isUuid(listId) ? await tx.select().from(paymentLists).where(and(eq(paymentLists.id, listId), eq(paymentLists.cycleId, cycleId))).for('update') : [];
      if (!list || !authorize(principal, 'payments.read', communeArea(list)).allowed) throw new ApiError(404, 'not_found', `No payment list "${listId}" in this cycle and your area.`);
      const refusal = authorize(principal, 'payments.act', communeArea(list));
      if (!refusal.allowed) throw new ApiError(refusal.status, refusal.code, refusal.message);
      if (!FOLLOW_UP_FROM.includes(list.status)) {
        throw new ApiError(409, 'rule_violated', `The payment list is ${list.status}: only a released or closed list's failed payments can be followed up.`, { rule: 'list-not-released', listId });
      }
      const failed = await tx
        .select({ id: payments.id, rsuId: payments.rsuId, amountFcfa: payments.amountFcfa, generation: payments.generation })
        .from(payments)
        .where(
          and(
            eq(payments.listId, list.id),
            eq(payments.status, 'failed'),
            // Failed in the ledger but paid on the agency's statement (reconciliation lists it): sending it again would pay twice.
            sql`coalesce((select sum(case when l.reversal then -l.amount_fcfa else l.amount_fcfa end) from agency_statement_lines l
              where l.cycle_id = ${payments.cycleId} and l.rsu_id = ${payments.rsuId} and l.tranche = ${payments.tranche}), 0) <= 0`,
          ),
        )
        .orderBy(asc(payments.id))
        .for('update');
      if (failed.length === 0) throw new ApiError(409, 'rule_violated', "The payment list has no failed payment to follow up (a failed payment its agency's statement shows paid is left to reconciliation).", { rule: 'no-failed-payments', listId });
      const totalFcfa = failed.reduce((sum, p) => sum + p.amountFcfa, 0);
      const [{ sequence } = { sequence: 1 }] = await tx
        .select({ sequence: sql<number>`max(${paymentLists.sequence})::int`.mapWith(Number) })
        .from(paymentLists)
        .where(and(eq(paymentLists.cycleId, cycleId), eq(paymentLists.communeCode, list.communeCode), eq(paymentLists.agencyId, list.agencyId), eq(paymentLists.tranche, list.tranche)));
      // Built here, from the payments it takes: it waits for the same three signatures as any list.
      const [next] = await tx
        .insert(paymentLists)
        .values({
          cycleId,
          regionCode: list.regionCode,
          communeCode: list.communeCode,
          agencyId: list.agencyId,
          tranche: list.tranche,
          sequence: sequence + 1,
          fundingSource: list.fundingSource,
          status: 'built',
          declaredCount: failed.length,
          declaredTotalFcfa: totalFcfa,
          builtCount: failed.length,
          builtTotalFcfa: totalFcfa,
        })
        .returning();
      // Batches as large as the list's own were.
      const [{ batchSize } = { batchSize: failed.length }] = await tx.execute<{ batchSize: number }>(
        sql`select coalesce(max(n), 1)::int as "batchSize" from (select count(*) as n from ${payments} where ${payments.listId} = ${list.id} group by ${payments.batchNo}) b`,
      );
      const detail = `follow-up list ${next!.id}: ${reason}`;
      const moves = failed.map((p, i) => ({
        id: p.id,
        batch_no: Math.floor(i / Math.max(1, batchSize)),
        generation: p.generation + 1,
        key: paymentIdempotencyKey({ cycleId, rsuId: p.rsuId, tranche: list.tranche, generation: p.generation + 1 }),
      }));
      await tx.execute(sql`
        with u as (
          select * from jsonb_to_recordset(${JSON.stringify(moves)}::jsonb) as u(id bigint, batch_no int, generation int, key text)
        ), moved as (
          update ${payments} p set list_id = ${next!.id}, batch_no = u.batch_no, generation = u.generation, idempotency_key = u.key,
            status = 'pending', attempts = 0, failure_reason = null, last_error = null, agency_reference = null,
            submitted_at = null, confirmed_at = null, updated_at = now()
          from u where p.id = u.id and p.status = 'failed'
          returning p.id, p.generation
        )
        insert into payment_status_history (payment_id, from_status, to_status, generation, detail, actor)
        select id, 'failed', 'pending', generation, ${detail}, ${principal.id} from moved`);
      // What failed was never spent: it leaves the list's reservation, and the follow-up list reserves it again when released.
      const [reservation] = await tx.select().from(budgetReservations).where(eq(budgetReservations.listId, list.id)).for('update');
      if (reservation) {
        await tx
          .update(budgetReservations)
          .set({ amountFcfa: Math.max(0, reservation.amountFcfa - totalFcfa) })
          .where(eq(budgetReservations.listId, list.id));
      }
      await tx.insert(auditLog).values(
        auditRow(by, {
          action: 'payments.list.follow-up',
          targetType: 'payment-list',
          targetId: next!.id,
          before: { fromListId: list.id, fromStatus: list.status, reservedFcfa: reservation?.amountFcfa ?? null },
          after: { listId: next!.id, sequence: sequence + 1, count: failed.length, totalFcfa, paymentIds: failed.map((p) => p.id), reason },
        }),
      );
      return { newListId: next!.id, moved: failed.length };
    });
    // The live figures follow the payments to their new list.
    for (const id of [listId, newListId]) await refreshListFigures(database.sql, id);
    await announcePaymentsChanged(database.sql, cycleId, newListId);
    const [created] = await db.select().from(paymentLists).where(eq(paymentLists.id, newListId));
    const [list] = await describe([created!], cycle.settings.releaseSignatureBands);
    return c.json({ list: list!, moved }, 201);
  });
}
