// Operators' actions on failed payments, written in one transaction each: the action row, the payments
// it changes with their status history, and the audit row. The disbursement workflow calls these from
// its Updates and then sends again what they put back to pending.
import { ApplicationFailure } from '@temporalio/common';
import type postgres from 'postgres';
import { FAILURE_TYPES } from '../domain/errors';
import { PAYMENT_ACTIONS_CHANNEL, type PaymentActionsChanged } from '../domain/events';
import {
  actionApplies,
  needsSecondOperator,
  whyCannotDecideAction,
  type PaymentAction,
  type PaymentActionRequest,
  type PaymentActionOutcome,
  type PaymentActionStatus,
  type PaymentFilter,
  type ResendUnit,
} from '../domain/payment-actions';
import { paymentIdempotencyKey, type PaymentStatus } from '../domain/payments';
import { maskIdentifier } from '../domain/personal-data';
import type { ActorContext, Area } from '../domain/roles';
import { describeArea } from '../domain/roles';
import type { Database } from '../db/client';
import { refreshPaymentFigures } from '../db/payment-figures';

export interface RequestPaymentActionInput {
  cycleId: string;
  request: PaymentActionRequest;
  by: ActorContext;
  /** Payments above which the action waits for a second operator. */
  approvalThreshold: number;
}

export interface DecidePaymentActionInput {
  cycleId: string;
  actionId: string;
  approve: boolean;
  reason?: string | undefined;
  by: ActorContext;
}

interface Candidate {
  id: number;
  cycleId: string;
  rsuId: string;
  tranche: number;
  status: PaymentStatus;
  attempts: number;
  /** May have reached the agency (payment_handed_over): not cancelled. */
  handedOver: boolean;
  generation: number;
  phone: string | null;
  agencyId: string;
  listId: string;
  batchNo: number;
  regionCode: string;
  communeCode: string;
}

type Tx = postgres.TransactionSql;

function refuse(rule: string, message: string): never {
  throw ApplicationFailure.create({ message, type: FAILURE_TYPES.ruleViolated, nonRetryable: true, details: [{ rule }] });
}

function areaClause(sql: Tx, area: Area) {
  if (area.level === 'national') return sql``;
  return area.level === 'region' ? sql`and region_code = ${area.region}` : sql`and commune_code = ${area.commune}`;
}

function filterClause(sql: Tx, filter: PaymentFilter | null | undefined) {
  const f = filter ?? {};
  return sql`
    ${f.region ? sql`and region_code = ${f.region}` : sql``}
    ${f.commune ? sql`and commune_code = ${f.commune}` : sql``}
    ${f.agency ? sql`and agency_id = ${f.agency}` : sql``}
    ${f.reason ? sql`and failure_reason = ${f.reason}::payment_failure_reason` : sql``}`;
}

const CANDIDATE_COLUMNS = (sql: Tx) => sql`
  id::float8 as id, cycle_id as "cycleId", rsu_id as "rsuId", tranche, status, attempts, generation, phone,
  payment_handed_over(attempts, list_id, batch_no, updated_at) as "handedOver",
  agency_id as "agencyId", list_id as "listId", batch_no as "batchNo", region_code as "regionCode", commune_code as "communeCode"`;

export function createPaymentActionActivities({ database }: { database: Database }) {
  const { sql } = database;

  /** The payments an action takes, locked: chosen by id, or every failed one matching the filter, within the actor's area. */
  async function candidates(tx: Tx, cycleId: string, request: Pick<PaymentActionRequest, 'action' | 'paymentIds' | 'filter'>, area: Area): Promise<Candidate[]> {
    const rows = request.paymentIds
      ? await tx<Candidate[]>`
          select ${CANDIDATE_COLUMNS(tx)} from payments
          where cycle_id = ${cycleId} and id = any(${tx.array(request.paymentIds)}::bigint[]) ${areaClause(tx, area)}
          order by id for update`
      : await tx<Candidate[]>`
          select ${CANDIDATE_COLUMNS(tx)} from payments
          where cycle_id = ${cycleId} and status = 'failed' ${areaClause(tx, area)} ${filterClause(tx, request.filter)}
          order by id for update`;
    return rows.filter((p) => actionApplies(request.action, p));
  }

  async function checkTargetAgency(tx: Tx, agencyId: string, payments: readonly Candidate[]): Promise<void> {
    const [agency] = await tx<Array<{ id: string; lots: Array<{ level: string; region: string; commune?: string }> }>>`
      select id, lots from payment_agencies where id = ${agencyId}`;
    if (!agency) refuse('unknown-agency', `No payment agency "${agencyId}".`);
    const uncovered = payments.filter(
      (p) => !agency.lots.some((lot) => lot.region === p.regionCode && (lot.level === 'region' || lot.commune === p.communeCode)),
    );
    if (uncovered.length > 0) {
      refuse('agency-not-covering', `${agency.id} does not cover commune ${uncovered[0]!.communeCode}: re-route only to an agency under contract there.`);
    }
    const same = payments.filter((p) => p.agencyId === agencyId).length;
    if (same === payments.length) refuse('same-agency', `These payments already go through ${agencyId}.`);
  }

  /** Changes the payments; returns the batches to send again. */
  async function apply(
    tx: Tx,
    action: { id: string; action: PaymentAction; toAgencyId: string | null; phone: string | null; reason: string },
    payments: readonly Candidate[],
    by: ActorContext,
  ): Promise<ResendUnit[]> {
    if (payments.length === 0) return [];
    const ids = payments.map((p) => p.id);
    const actor = by.principal.username;
    if (action.action === 'cancel') {
      const changed = await tx<Array<{ id: number; from: PaymentStatus; generation: number }>>`
        with before as (select id, status from payments where id = any(${tx.array(ids)}::bigint[]))
        update payments p set status = 'cancelled', updated_at = now()
        from before where p.id = before.id and (p.status = 'failed' or (p.status = 'pending' and not payment_handed_over(p.attempts, p.list_id, p.batch_no, p.updated_at)))
        returning p.id::float8 as id, before.status as "from", p.generation`;
      await tx`
        insert into payment_status_history (payment_id, from_status, to_status, generation, detail, actor)
        select * from unnest(${tx.array(changed.map((c) => c.id))}::bigint[], ${tx.array(changed.map((c) => c.from))}::payment_status[],
          ${tx.array(changed.map(() => 'cancelled'))}::payment_status[], ${tx.array(changed.map((c) => c.generation))}::int[],
          ${tx.array(changed.map(() => `cancelled: ${action.reason}`))}::text[], ${tx.array(changed.map(() => actor))}::text[])`;
      await refreshFigures(tx, payments);
      return [];
    }
    // Retry and re-route: the next generation's key, so the agency sees a new transfer of a payment it refused.
    const next = payments.map((p) => ({
      ...p,
      generation: p.generation + 1,
      key: paymentIdempotencyKey({ cycleId: p.cycleId, rsuId: p.rsuId, tranche: p.tranche, generation: p.generation + 1 }),
      agencyId: action.toAgencyId ?? p.agencyId,
      phone: action.phone ?? p.phone,
    }));
    await tx`
      update payments p set status = 'pending', generation = u.generation, idempotency_key = u.key, agency_id = u.agency_id,
        phone = u.phone, attempts = 0, agency_reference = null, failure_reason = null, last_error = null, updated_at = now()
      from unnest(${tx.array(next.map((p) => p.id))}::bigint[], ${tx.array(next.map((p) => p.generation))}::int[],
        ${tx.array(next.map((p) => p.key))}::text[], ${tx.array(next.map((p) => p.agencyId))}::text[], ${tx.array(next.map((p) => p.phone))}::text[])
        as u(id, generation, key, agency_id, phone)
      where p.id = u.id and p.status = 'failed'`;
    const detail = action.action === 'reroute' ? `re-routed to ${action.toAgencyId}: ${action.reason}` : `retry: ${action.reason}`;
    await tx`
      insert into payment_status_history (payment_id, from_status, to_status, generation, detail, actor)
      select * from unnest(${tx.array(next.map((p) => p.id))}::bigint[], ${tx.array(next.map(() => 'failed'))}::payment_status[],
        ${tx.array(next.map(() => 'pending'))}::payment_status[], ${tx.array(next.map((p) => p.generation))}::int[],
        ${tx.array(next.map(() => detail))}::text[], ${tx.array(next.map(() => actor))}::text[])`;
    await refreshFigures(tx, payments);
    const units = new Map<string, ResendUnit>();
    for (const p of next) units.set(`${p.listId}:${p.batchNo}`, { listId: p.listId, batchNo: p.batchNo });
    return [...units.values()];
  }

  /** Keeps the live figures exact: the batches these payments belong to are counted again, lists in one order. */
  async function refreshFigures(tx: Tx, changed: readonly Candidate[]) {
    const batches = new Map<string, number[]>();
    for (const p of changed) batches.set(p.listId, [...(batches.get(p.listId) ?? []), p.batchNo]);
    for (const listId of [...batches.keys()].sort()) await refreshPaymentFigures(tx, listId, batches.get(listId)!);
  }

  async function audit(tx: Tx, by: ActorContext, action: string, targetId: string, before: unknown, after: unknown) {
    const p = by.principal;
    await tx`
      insert into audit_log (actor_kind, actor_id, actor_username, actor_roles, actor_area, action, target_type, target_id, before, after, ip, request_id)
      values (${p.kind}::principal_kind, ${p.id}, ${p.username}, ${tx.array([...p.roles])}::text[]::role[], ${describeArea(p.area)}, ${action}, 'payment-action', ${targetId},
        ${before === null ? null : JSON.stringify(before)}::jsonb, ${JSON.stringify(after)}::jsonb, ${by.ip}::inet, ${by.requestId})`;
  }

  async function notify(tx: Tx, cycleId: string, actionId: string, status: PaymentActionStatus) {
    const change: PaymentActionsChanged = { cycleId, actionId, status };
    await tx`select pg_notify(${PAYMENT_ACTIONS_CHANNEL}, ${JSON.stringify(change)})`;
  }

  return {
    /**
     * Records an operator's action. At or under the threshold it is applied at once; above it waits,
     * untouched, for a second operator.
     */
    async requestPaymentAction({ cycleId, request, by, approvalThreshold }: RequestPaymentActionInput): Promise<PaymentActionOutcome> {
      return sql.begin(async (tx) => {
        const chosen = await candidates(tx, cycleId, request, by.principal.area);
        if (chosen.length === 0) refuse('nothing-to-act-on', 'None of these payments can take this action any more (only failed payments are retried, re-routed or cancelled).');
        if (request.toAgencyId) await checkTargetAgency(tx, request.toAgencyId, chosen);
        const waits = needsSecondOperator(chosen.length, approvalThreshold);
        const status: PaymentActionStatus = waits ? 'awaiting-approval' : 'applied';
        const [row] = await tx<Array<{ id: string }>>`
          insert into payment_actions (cycle_id, action, status, payment_ids, filter, to_agency_id, phone, reason, requested_by, requested_by_name,
            decided_by, decided_by_name, decided_at, applied_count)
          values (${cycleId}, ${request.action}, ${status}, ${tx.array(chosen.map((p) => p.id))}::bigint[],
            ${request.filter ? JSON.stringify(request.filter) : null}::jsonb, ${request.toAgencyId ?? null}, ${request.phone ?? null}, ${request.reason.trim()},
            ${by.principal.id}, ${by.principal.username},
            ${waits ? null : by.principal.id}, ${waits ? null : by.principal.username}, ${waits ? null : new Date().toISOString()}::timestamptz, ${waits ? null : chosen.length})
          returning id`;
        const id = row!.id;
        const resend = waits ? [] : await apply(tx, { id, action: request.action, toAgencyId: request.toAgencyId ?? null, phone: request.phone ?? null, reason: request.reason }, chosen, by);
        const single = chosen.length === 1 ? chosen[0]! : null;
        await audit(tx, by, `payments.${request.action}.${waits ? 'requested' : 'applied'}`, id, single && request.phone ? { phone: maskIdentifier(single.phone) } : null, {
          payments: chosen.length,
          paymentIds: chosen.slice(0, 50).map((p) => p.id),
          filter: request.filter ?? null,
          toAgencyId: request.toAgencyId ?? null,
          phone: request.phone ? maskIdentifier(request.phone) : undefined,
          reason: request.reason,
          status,
        });
        await notify(tx, cycleId, id, status);
        return { id, action: request.action, status, count: chosen.length, applied: waits ? 0 : chosen.length, requestedBy: by.principal.id, resend };
      });
    },

    /** A second operator approves (the action is applied to what still applies) or rejects a waiting action. */
    async decidePaymentAction({ cycleId, actionId, approve, reason, by }: DecidePaymentActionInput): Promise<PaymentActionOutcome> {
      return sql.begin(async (tx) => {
        const [row] = await tx<
          Array<{ id: string; action: PaymentAction; status: PaymentActionStatus; paymentIds: number[]; toAgencyId: string | null; phone: string | null; reason: string; requestedBy: string }>
        >`
          select id, action, status, payment_ids::float8[] as "paymentIds", to_agency_id as "toAgencyId", phone, reason, requested_by as "requestedBy"
          from payment_actions where id = ${actionId} and cycle_id = ${cycleId} for update`;
        const why = whyCannotDecideAction(row, by.principal.id);
        if (why) refuse(why.rule, why.message);
        const action = row!;
        let resend: ResendUnit[] = [];
        let applied = 0;
        if (approve) {
          const chosen = await candidates(tx, cycleId, { action: action.action, paymentIds: action.paymentIds }, by.principal.area);
          if (action.toAgencyId && chosen.length > 0) await checkTargetAgency(tx, action.toAgencyId, chosen);
          resend = await apply(tx, action, chosen, by);
          applied = chosen.length;
        }
        const status: PaymentActionStatus = approve ? 'applied' : 'rejected';
        await tx`
          update payment_actions set status = ${status}, decided_by = ${by.principal.id}, decided_by_name = ${by.principal.username},
            decided_at = now(), decision_reason = ${reason?.trim() || null}, applied_count = ${approve ? applied : null}
          where id = ${actionId}`;
        await audit(tx, by, `payments.${action.action}.${approve ? 'approved' : 'rejected'}`, actionId, { status: 'awaiting-approval' }, { status, applied, reason: reason ?? null });
        await notify(tx, cycleId, actionId, status);
        return { id: actionId, action: action.action, status, count: action.paymentIds.length, applied, requestedBy: action.requestedBy, resend };
      });
    },
  };
}
