import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import {
  canMovePayment,
  PAYMENT_KEY_PART_PATTERN,
  paymentKeyAffixes,
  PAYMENTS_CHANNEL,
  type FailureReason,
  type PaymentStatus,
} from '../domain/payments';
import type { Database } from '../db/client';
import { refreshListsFigures, refreshPaymentFigures } from '../db/payment-figures';
import { paymentAgencies, paymentLists, type PaymentAgencyRow } from '../db/schema';
import type { AgencyRegistry } from './adapters/agency-registry';
import type { AgencyAnswer, AgencyStatus, PaymentAgency } from './ports/payment-agency';

export interface BuildPaymentListInput {
  listId: string;
  /** Payments per batch: the unit of one batch activity. */
  batchSize: number;
}

export interface BuildPaymentListsInput {
  cycleId: string;
  tranche: number;
  listIds: string[];
  batchSize: number;
}

export interface BuiltPaymentList {
  count: number;
  totalFcfa: number;
  batches: number;
  /** Built equals declared: the list may go to release. */
  matchesDeclaration: boolean;
}

export interface PaymentBatchInput {
  listId: string;
  batchNo: number;
}

export interface PaymentBatchResult {
  confirmed: number;
  failed: number;
  /** Accepted by the agency, not yet paid: asked again later. */
  submitted: number;
}

/** The reasons an agency error class is logged under in Temporal; the workflow's retry policy reads them. */
export const PAYMENT_FAILURE_TYPES = { unsettled: 'AgencyUnsettled', notReleased: 'PaymentListNotReleased' } as const;

interface OpenPayment {
  id: number;
  idempotencyKey: string;
  amountFcfa: number;
  phone: string | null;
  status: PaymentStatus;
  attempts: number;
  /** May have reached the agency (payment_handed_over): asked by its key before anything is sent. */
  handedOver: boolean;
  generation: number;
  agencyId: string;
}

interface Outcome {
  payment: OpenPayment;
  to: PaymentStatus;
  reference?: string | null;
  reason?: FailureReason | null;
  error?: string | null;
  /** A call for this payment reached the agency: counted in its attempts. */
  attempted?: boolean;
}

const HEARTBEAT_EVERY_MS = 1_000;
/** How long a batch waits for payments the agency accepted to be paid before it hands them back as submitted. */
const SUBMITTED_WAIT_MS = 30_000;

/** Runs `work` over `items` with at most `limit` at a time, in order of start. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}

function heartbeat(details: unknown) {
  // Outside an activity (a direct call in a script), there is nothing to heartbeat to.
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not in an activity context */
  }
}

/**
 * Runs `work`, beating every second while this process lives, however long a statement, an agency or
 * a lock takes: a dead worker is noticed within the heartbeat timeout.
 */
export async function whileBeating<T>(details: () => unknown, work: () => Promise<T>): Promise<T> {
  const alive = setInterval(() => heartbeat(details()), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(alive);
  }
}

/** What an agency's answer means for a payment. */
function outcomeOf(payment: OpenPayment, answer: AgencyAnswer | AgencyStatus): Outcome {
  switch (answer.kind) {
    case 'submitted':
      return { payment, to: 'submitted', reference: answer.reference, error: null };
    case 'confirmed':
      return { payment, to: 'confirmed', reference: answer.reference, error: null };
    case 'failed':
      return { payment, to: 'failed', reference: answer.reference, reason: answer.reason, error: answer.message };
    case 'ambiguous':
    case 'unreachable':
      return { payment, to: 'ambiguous', error: answer.message };
    case 'transient':
      // Nothing committed, but the attempt is counted: the next one asks the status first.
      return { payment, to: payment.status, error: answer.message };
    case 'not-found':
      return { payment, to: 'pending', error: null };
  }
}

export function createPaymentActivities({ database, agencies }: { database: Database; agencies: AgencyRegistry }) {
  const { db, sql } = database;

  async function loadList(listId: string) {
    const [row] = await db
      .select({ list: paymentLists, agency: paymentAgencies })
      .from(paymentLists)
      .innerJoin(paymentAgencies, eq(paymentAgencies.id, paymentLists.agencyId))
      .where(eq(paymentLists.id, listId));
    if (!row) throw ApplicationFailure.nonRetryable(`No payment list ${listId}`, 'NotFound');
    return row;
  }

  function paymentsOf(listId: string, batchNo: number, statuses: PaymentStatus[]): Promise<OpenPayment[]> {
    return sql<OpenPayment[]>`
      select id::float8 as id, idempotency_key as "idempotencyKey", amount_fcfa as "amountFcfa", phone, status, attempts, generation, agency_id as "agencyId",
        payment_handed_over(attempts, list_id, batch_no, updated_at) as "handedOver"
      from payments where list_id = ${listId} and batch_no = ${batchNo} and status::text = any(${sql.array(statuses)}::text[])
      order by id`;
  }

  /** Writes the outcomes whose payment is still where it was read, with their history, in one statement. */
  async function record(outcomes: readonly Outcome[]): Promise<void> {
    const moving = outcomes.filter((o) => o.to === o.payment.status || canMovePayment(o.payment.status, o.to));
    if (moving.length === 0) return;
    await sql`
      with u as (
        select * from unnest(
          ${sql.array(moving.map((o) => o.payment.id))}::bigint[],
          ${sql.array(moving.map((o) => o.payment.status))}::text[],
          ${sql.array(moving.map((o) => o.to))}::text[],
          ${sql.array(moving.map((o) => o.payment.generation))}::int[],
          ${sql.array(moving.map((o) => o.reference ?? null))}::text[],
          ${sql.array(moving.map((o) => o.reason ?? null))}::text[],
          ${sql.array(moving.map((o) => o.error ?? null))}::text[],
          ${sql.array(moving.map((o) => (o.attempted ? 1 : 0)))}::int[]
        ) as u(id, from_status, to_status, generation, reference, reason, error, attempted)
      ), changed as (
        update payments p set
          status = u.to_status::payment_status,
          agency_reference = coalesce(u.reference, p.agency_reference),
          failure_reason = u.reason::payment_failure_reason,
          last_error = u.error,
          attempts = p.attempts + u.attempted,
          submitted_at = case when u.to_status in ('submitted', 'confirmed') then coalesce(p.submitted_at, now()) else p.submitted_at end,
          confirmed_at = case when u.to_status = 'confirmed' then now() else p.confirmed_at end,
          updated_at = now()
        from u
        where p.id = u.id and p.status = u.from_status::payment_status and p.generation = u.generation
        returning p.id, u.from_status, u.to_status, u.generation, coalesce(u.reason, u.error) as detail
      )
      insert into payment_status_history (payment_id, from_status, to_status, generation, detail)
      select id, from_status::payment_status, to_status::payment_status, generation, detail from changed where from_status <> to_status`;
  }

  /**
   * Writes the payments of the lists still declared, inside Postgres in one statement (a million rows
   * never travel to the worker and back), numbered into batches in household order, with the keys
   * paymentIdempotencyKey gives; then each list's built count and total against its declaration. In one
   * transaction: a list is built whole or not at all. Answers every given list, built now or before.
   */
  async function buildLists({ cycleId, tranche, listIds, batchSize }: BuildPaymentListsInput): Promise<Map<string, BuiltPaymentList>> {
    const [odd] = await sql<Array<{ rsuId: string }>>`
      select b.rsu_id as "rsuId" from beneficiaries b join payment_lists l on l.cycle_id = b.cycle_id and l.commune_code = b.commune_code
      where l.id = any(${sql.array(listIds)}::uuid[]) and l.status = 'declared' and b.rsu_id !~ ${PAYMENT_KEY_PART_PATTERN}
      limit 1`;
    if (odd) throw ApplicationFailure.nonRetryable(`household id ${JSON.stringify(odd.rsuId)} cannot be part of an idempotency key`, 'InvalidHouseholdId');
    const keys = paymentKeyAffixes({ cycleId, tranche, generation: 0 });
    // A million rows take a while: the worker beats all along.
    await whileBeating(
      () => ({ building: listIds.length }),
      () =>
        sql.begin(async (tx) => {
          const declared = (
            await tx<Array<{ id: string }>>`
              select id from payment_lists where id = any(${tx.array(listIds)}::uuid[]) and cycle_id = ${cycleId} and tranche = ${tranche} and status = 'declared'
              order by id for update`
          ).map((l) => l.id);
          if (declared.length === 0) return;
          // Numbering a million households into batches is one sort: in memory, not spilled to disk.
          await tx`set local work_mem = '256MB'`;
          // A household already in another list is skipped by the conflict clause, keeping its place in the
          // numbering (an anti-join here went quadratic at scale: the planner's estimate for a payments table
          // just filled is 0 rows).
          await tx`
            insert into payments (cycle_id, rsu_id, tranche, list_id, batch_no, region_code, commune_code, agency_id, funding_source, amount_fcfa, phone, idempotency_key)
            select b.cycle_id, b.rsu_id, l.tranche, l.id, ((row_number() over (partition by l.id order by b.rsu_id)) - 1) / ${batchSize},
              l.region_code, l.commune_code, l.agency_id, l.funding_source, b.amount_fcfa, b.phone, ${keys.prefix} || b.rsu_id || ${keys.suffix}
            from payment_lists l join beneficiaries b on b.cycle_id = l.cycle_id and b.commune_code = l.commune_code
            where l.id = any(${tx.array(declared)}::uuid[])
            order by l.id, b.rsu_id
            on conflict (cycle_id, rsu_id, tranche) do nothing`;
          await tx`
            with built as (
              select list_id, count(*)::int as n, coalesce(sum(amount_fcfa), 0)::bigint as total from payments
              where list_id = any(${tx.array(declared)}::uuid[]) group by list_id
            )
            update payment_lists l set built_count = coalesce(b.n, 0), built_total_fcfa = coalesce(b.total, 0),
              status = (case when coalesce(b.n, 0) = l.declared_count and coalesce(b.total, 0) = l.declared_total_fcfa then 'built' else 'declared' end)::payment_list_status
            from unnest(${tx.array(declared)}::uuid[]) as x(id) left join built b on b.list_id = x.id
            where l.id = x.id`;
          await refreshListsFigures(tx, declared);
        }),
    );
    const rows = await sql<Array<{ id: string; declaredCount: number; declaredTotal: number; count: number; total: number; batches: number }>>`
      select l.id, l.declared_count as "declaredCount", l.declared_total_fcfa::float8 as "declaredTotal",
        count(p.id)::int as count, coalesce(sum(p.amount_fcfa), 0)::bigint::float8 as total, coalesce(max(p.batch_no) + 1, 0)::int as batches
      from payment_lists l left join payments p on p.list_id = l.id
      where l.id = any(${sql.array(listIds)}::uuid[]) group by l.id`;
    if (rows.length !== listIds.length) throw ApplicationFailure.nonRetryable(`No payment list among ${listIds.filter((id) => !rows.some((r) => r.id === id)).join(', ')}`, 'NotFound');
    return new Map(
      rows.map((r) => [r.id, { count: r.count, totalFcfa: r.total, batches: r.batches, matchesDeclaration: r.count === r.declaredCount && r.total === r.declaredTotal }]),
    );
  }

  return {
    /**
     * Builds a declared list's payments from the frozen beneficiary list, idempotency keys included,
     * so every key exists before any call; safe to run again (a household is never added twice).
     */
    async buildPaymentList({ listId, batchSize }: BuildPaymentListInput): Promise<BuiltPaymentList> {
      const { list } = await loadList(listId);
      const built = await buildLists({ cycleId: list.cycleId, tranche: list.tranche, listIds: [listId], batchSize });
      return built.get(listId)!;
    },

    /** Every given list of one cycle's tranche built at once, as buildPaymentList builds one. */
    async buildPaymentLists(input: BuildPaymentListsInput): Promise<Record<string, BuiltPaymentList>> {
      return Object.fromEntries(await buildLists(input));
    },

    /**
     * Sends one batch of a released list to its agency. What may already have been sent (its batch
     * handed over since it became pending, an attempt counted, or an ambiguous answer) is first asked
     * by its key, never resent blind; an invalid account fails that payment alone; what stays
     * unsettled fails the activity so Temporal retries it with backoff.
     */
    async submitPaymentBatch(input: PaymentBatchInput): Promise<PaymentBatchResult> {
      // However slow the agency, the worker beats all along.
      return whileBeating(() => ({ batchNo: input.batchNo }), () => submitBatch(input));
    },
  };

  async function submitBatch({ listId, batchNo }: PaymentBatchInput): Promise<PaymentBatchResult> {
    const { list, agency: listAgency } = await loadList(listId);
    if (list.status !== 'released') throw ApplicationFailure.nonRetryable(`Payment list ${listId} is ${list.status}, not released`, PAYMENT_FAILURE_TYPES.notReleased);

    // Each payment goes to its own agency: the list's, unless an operator re-routed it.
    const open = await paymentsOf(listId, batchNo, ['pending', 'submitted', 'ambiguous']);
    const byAgency = new Map<string, OpenPayment[]>();
    for (const p of open) byAgency.set(p.agencyId, [...(byAgency.get(p.agencyId) ?? []), p]);
    let unsettled = 0;
    for (const [agencyId, group] of byAgency) {
      const agencyRow = agencyId === listAgency.id ? listAgency : await loadAgency(agencyId);
      unsettled += await settleAndSend(listId, batchNo, agencyRow, group);
    }

    // The batch's counters first, so the notice that follows finds them current.
    await refreshPaymentFigures(sql, listId, [batchNo]);
    // The batch's counts and their notice (a PaymentsChanged) in one round trip.
    const [counts] = await sql<Array<PaymentBatchResult & { open: number }>>`
      with c as (
        select count(*) filter (where status in ('confirmed', 'credited', 'cashed-out'))::int as confirmed,
               count(*) filter (where status = 'failed')::int as failed,
               count(*) filter (where status = 'submitted')::int as submitted,
               count(*) filter (where status in ('pending', 'ambiguous'))::int as open
        from payments where list_id = ${listId} and batch_no = ${batchNo}
      )
      select c.*, pg_notify(${PAYMENTS_CHANNEL}, json_build_object(
        'cycleId', ${list.cycleId}::text, 'listId', ${listId}::text, 'batchNo', ${batchNo}::int,
        'confirmed', c.confirmed, 'failed', c.failed, 'open', c.open + c.submitted
      )::text) from c`;
    if (unsettled > 0) {
      throw ApplicationFailure.retryable(`${unsettled} payment(s) of batch ${batchNo} unsettled`, PAYMENT_FAILURE_TYPES.unsettled);
    }
    return { confirmed: counts!.confirmed, failed: counts!.failed, submitted: counts!.submitted };
  }

  async function loadAgency(agencyId: string) {
    const [row] = await db.select().from(paymentAgencies).where(eq(paymentAgencies.id, agencyId));
    if (!row) throw ApplicationFailure.nonRetryable(`No payment agency ${agencyId}`, 'NotFound');
    return row;
  }

  /** One agency's share of a batch: settles what it may hold, sends what it never had. Returns the payments left unsettled. */
  async function settleAndSend(listId: string, batchNo: number, agencyRow: PaymentAgencyRow, open: OpenPayment[]): Promise<number> {
    const agency = agencies.get(agencyRow);
    const lanes = Math.max(4, Math.min(64, agencyRow.ratePerSecond));
    let unsettled = 0;

    // 1. Settle: whatever the agency may already hold is asked by the same key.
    const toAsk = open.filter((p) => p.status !== 'pending' || p.handedOver);
    const asked = toAsk.length === 0 ? [] : await mapLimit(toAsk, lanes, async (payment) => ({ payment, status: await agency.status(payment.idempotencyKey) }));
    // A transfer the agency holds from a call never recorded (the worker was killed mid-call) counts as that attempt.
    const held = (kind: AgencyStatus['kind']) => kind === 'confirmed' || kind === 'failed' || kind === 'submitted';
    await record(asked.map(({ payment, status }) => ({ ...outcomeOf(payment, status), attempted: payment.attempts === 0 && held(status.kind) })));
    const notFound = new Set(asked.filter((a) => a.status.kind === 'not-found').map((a) => a.payment.id));
    unsettled += asked.filter((a) => a.status.kind === 'unreachable' || a.status.kind === 'transient').length;

    // 2. Send what the agency has never had, the batch marked as handed over before the call (one row,
    // not a write per payment) and each attempt counted with its answer.
    const toSend = open.filter((p) => (p.status === 'pending' && !p.handedOver) || notFound.has(p.id)).map((p) => ({ ...p, status: 'pending' as const }));
    const noPhone = toSend.filter((p) => !p.phone);
    await record(noPhone.map((payment) => ({ payment, to: 'failed', reason: 'invalid-account', error: 'no phone number on the beneficiary list' })));
    const sendable = toSend.filter((p) => p.phone);
    if (sendable.length > 0) {
      await sql`
        insert into payment_batch_sends (list_id, batch_no) values (${listId}, ${batchNo})
        on conflict (list_id, batch_no) do update set sends = payment_batch_sends.sends + 1, last_send_at = now()`;
    }
    const answers = await send(agency, agencyRow.bulkSize, sendable, lanes);
    const sent = sendable.map((p) => ({ ...outcomeOf(p, answers.get(p.idempotencyKey)!), attempted: true }));
    await record(sent);
    unsettled += sent.filter((o) => o.to === 'ambiguous' || o.to === 'pending').length;

    // 3. What the agency accepted but has not paid yet: mobile money pays within seconds, so wait a little.
    // Only this batch's activity moves its payments to submitted: no query when none can be.
    const maySubmitted = open.some((p) => p.status === 'submitted') || asked.some((a) => a.status.kind === 'submitted') || sent.some((o) => o.to === 'submitted');
    const mine = new Set(open.map((p) => p.id));
    let waiting = maySubmitted ? (await paymentsOf(listId, batchNo, ['submitted'])).filter((p) => mine.has(p.id)) : [];
    const waitUntil = Date.now() + SUBMITTED_WAIT_MS;
    for (let pause = 200; waiting.length > 0 && Date.now() < waitUntil; pause = Math.min(pause * 2, 2_000)) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      const answers = await mapLimit(waiting, lanes, async (payment) => ({ payment, status: await agency.status(payment.idempotencyKey) }));
      // A status that cannot be read leaves the payment submitted: the agency has it either way.
      const decided = answers.filter((a) => a.status.kind === 'confirmed' || a.status.kind === 'failed');
      await record(decided.map(({ payment, status }) => outcomeOf(payment, status)));
      const decidedIds = new Set(decided.map((a) => a.payment.id));
      waiting = waiting.filter((p) => !decidedIds.has(p.id));
    }
    return unsettled;
  }
}

/** Sends through the agency's bulk endpoint where it has one, else one request per payment. */
async function send(agency: PaymentAgency, bulkSize: number | null, payments: readonly OpenPayment[], lanes: number): Promise<Map<string, AgencyAnswer>> {
  const orders = payments.map((p) => ({ idempotencyKey: p.idempotencyKey, amountFcfa: p.amountFcfa, phone: p.phone! }));
  const answers = new Map<string, AgencyAnswer>();
  if (bulkSize && bulkSize > 1) {
    const chunks: (typeof orders)[] = [];
    for (let i = 0; i < orders.length; i += bulkSize) chunks.push(orders.slice(i, i + bulkSize));
    for (const chunk of await mapLimit(chunks, lanes, (c) => agency.submitBulk(c))) for (const [key, answer] of chunk) answers.set(key, answer);
    return answers;
  }
  await mapLimit(orders, lanes, async (order) => {
    answers.set(order.idempotencyKey, await agency.submit(order));
  });
  return answers;
}
