// Live disbursement figures: counters per batch kept exact by every writer of payments, and read per cycle.
import type { Fragment, Sql, TransactionSql } from 'postgres';
import { FUNDING_SOURCES, type FundingSource } from '../domain/funding';
import { isPaid, OPEN_STATUSES, PAID_STATUSES, PAYMENTS_CHANNEL, type PaymentStatus } from '../domain/payments';
import type { PaymentCounts, PaymentFigures, PaymentFiguresRow } from '../domain/payment-figures';
import type { Area } from '../domain/roles';

/**
 * Recomputes the figures of some batches of one list from their payments (a few hundred rows each).
 * Call it after any change of payments' status, amount, agency or list — in the same transaction or
 * after it commits — with every (list, batch) the change touched, the old one and the new one.
 * Refreshes of one list are serialised by an advisory lock, so the last one always sees the last commit.
 */
export async function refreshPaymentFigures(sql: Sql | TransactionSql, listId: string, batchNos: readonly number[]): Promise<void> {
  if (batchNos.length === 0) return;
  const batches = [...new Set(batchNos)];
  const work = async (tx: TransactionSql) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`payment-figures:${listId}`}, 0))`;
    await rewriteCounters(tx, tx`list_id = ${listId} and batch_no = any(${tx.array(batches)}::int[])`);
  };
  // Inside a caller's transaction the lock lives until it commits; otherwise a transaction of our own.
  if ('begin' in sql && typeof sql.begin === 'function') await (sql as Sql).begin(work);
  else await work(sql as TransactionSql);
}

/** Every batch of some lists recomputed in one pass, inside the caller's transaction (a tranche's lists just built). */
export async function refreshListsFigures(tx: TransactionSql, listIds: readonly string[]): Promise<void> {
  if (listIds.length === 0) return;
  for (const listId of [...listIds].sort()) await tx`select pg_advisory_xact_lock(hashtextextended(${`payment-figures:${listId}`}, 0))`;
  await rewriteCounters(tx, tx`list_id = any(${tx.array([...listIds])}::uuid[])`);
}

/** The batch counters and the paid-per-day counters of the payments `which` selects, recounted from them. */
async function rewriteCounters(tx: TransactionSql, which: Fragment): Promise<void> {
  await tx`delete from payment_figures where ${which}`;
  await tx`
    insert into payment_figures (list_id, batch_no, region_code, commune_code, agency_id, funding_source, status, cycle_id, payments, amount_fcfa)
    select list_id, batch_no, region_code, commune_code, agency_id, funding_source, status, cycle_id, count(*)::int, sum(amount_fcfa)
    from payments where ${which}
    group by list_id, batch_no, region_code, commune_code, agency_id, funding_source, status, cycle_id`;
  // Paid payments per day (Bamako is on UTC): the day of confirmation, else of the last change.
  await tx`delete from payment_daily_figures where ${which}`;
  await tx`
    insert into payment_daily_figures (list_id, batch_no, day, region_code, commune_code, funding_source, cycle_id, payments, amount_fcfa)
    select list_id, batch_no, (coalesce(confirmed_at, updated_at) at time zone 'UTC')::date, region_code, commune_code, funding_source, cycle_id, count(*)::int, sum(amount_fcfa)
    from payments where ${which} and status::text = any(${tx.array([...PAID_STATUSES])}::text[])
    group by 1, 2, 3, 4, 5, 6, 7`;
}

/** Every batch of a list, those with counters and those with payments: after payments moved between lists. */
export async function refreshListFigures(sql: Sql, listId: string): Promise<void> {
  const batches = await sql<Array<{ batchNo: number }>>`
    select batch_no as "batchNo" from payment_figures where list_id = ${listId}
    union select distinct batch_no from payments where list_id = ${listId}`;
  await refreshPaymentFigures(
    sql,
    listId,
    batches.map((b) => b.batchNo),
  );
}

/** Wakes the live figures of a cycle after payments changed outside a batch activity. */
export async function announcePaymentsChanged(sql: Sql, cycleId: string, listId: string): Promise<void> {
  await sql`select pg_notify(${PAYMENTS_CHANNEL}, ${JSON.stringify({ cycleId, listId, batchNo: -1, confirmed: 0, failed: 0, open: 0 })})`;
}

const zero = (): PaymentCounts => ({ payments: 0, amountFcfa: 0, paid: 0, paidFcfa: 0, failed: 0, failedFcfa: 0, inFlight: 0, inFlightFcfa: 0, cancelled: 0, cancelledFcfa: 0 });

function add(counts: PaymentCounts, status: PaymentStatus, payments: number, amountFcfa: number) {
  counts.payments += payments;
  counts.amountFcfa += amountFcfa;
  if (isPaid(status)) {
    counts.paid += payments;
    counts.paidFcfa += amountFcfa;
  } else if (status === 'failed') {
    counts.failed += payments;
    counts.failedFcfa += amountFcfa;
  } else if (status === 'cancelled') {
    counts.cancelled += payments;
    counts.cancelledFcfa += amountFcfa;
  } else if (OPEN_STATUSES.includes(status)) {
    counts.inFlight += payments;
    counts.inFlightFcfa += amountFcfa;
  }
}

const ratio = (part: number, whole: number | null) => (whole && whole > 0 ? part / whole : null);

/**
 * A cycle's figures as seen from an area: totals, per region, agency and funding source, and the
 * execution rate. Sums the batch counters (a few thousand rows for a million payments), never payments.
 * Rate and time left are the caller's: they need samples over time (api/services/payment-figures.ts).
 */
export async function readPaymentFigures(sql: Sql, cycleId: string, area: Area): Promise<Omit<PaymentFigures, 'ratePerSecond' | 'secondsLeft'>> {
  const region = area.level === 'national' ? null : area.region;
  const commune = area.level === 'commune' ? area.commune : null;
  const [rows, budgets, reservations] = await Promise.all([
    sql<Array<{ regionCode: string; regionName: string | null; agencyId: string; agencyName: string | null; fundingSource: FundingSource; status: PaymentStatus; payments: number; amountFcfa: number }>>`
      select f.region_code as "regionCode", r.name as "regionName", f.agency_id as "agencyId", a.name as "agencyName", f.funding_source as "fundingSource", f.status,
        sum(f.payments)::int as payments, sum(f.amount_fcfa)::float8 as "amountFcfa"
      from (
        select region_code, agency_id, funding_source, status, sum(payments) as payments, sum(amount_fcfa) as amount_fcfa from payment_figures
        where cycle_id = ${cycleId} ${region ? sql`and region_code = ${region}` : sql``} ${commune ? sql`and commune_code = ${commune}` : sql``}
        group by region_code, agency_id, funding_source, status
      ) f
      left join regions r on r.code = f.region_code
      left join payment_agencies a on a.id = f.agency_id
      group by 1, 2, 3, 4, 5, 6`,
    sql<Array<{ source: FundingSource; amountFcfa: number }>>`
      select source, amount_fcfa::float8 as "amountFcfa" from cycle_funding_sources where cycle_id = ${cycleId}`,
    sql<Array<{ source: FundingSource; amountFcfa: number }>>`
      select r.funding_source as source, sum(r.amount_fcfa)::float8 as "amountFcfa" from budget_reservations r join payment_lists l on l.id = r.list_id
      where r.cycle_id = ${cycleId} ${region ? sql`and l.region_code = ${region}` : sql``} ${commune ? sql`and l.commune_code = ${commune}` : sql``}
      group by r.funding_source`,
  ]);
  const totals = zero();
  const regions = new Map<string, PaymentFiguresRow>();
  const agencies = new Map<string, PaymentFiguresRow>();
  const sources = new Map<string, PaymentFiguresRow>();
  const entry = (map: Map<string, PaymentFiguresRow>, key: string, name: string) => {
    let row = map.get(key);
    if (!row) map.set(key, (row = { key, name, ...zero() }));
    return row;
  };
  for (const r of rows) {
    add(totals, r.status, r.payments, r.amountFcfa);
    add(entry(regions, r.regionCode, r.regionName ?? r.regionCode), r.status, r.payments, r.amountFcfa);
    add(entry(agencies, r.agencyId, r.agencyName ?? r.agencyId), r.status, r.payments, r.amountFcfa);
    add(entry(sources, r.fundingSource, r.fundingSource), r.status, r.payments, r.amountFcfa);
  }
  const budgetOf = new Map<string, number>(budgets.map((b) => [b.source, b.amountFcfa]));
  const reservedOf = new Map<string, number>(reservations.map((b) => [b.source, b.amountFcfa]));
  // The cycle's budget is national: an area measures itself against what was reserved for its lists.
  const national = area.level === 'national';
  const budgetFcfa = national ? budgets.reduce((s, b) => s + b.amountFcfa, 0) : null;
  const reservedFcfa = reservations.reduce((s, b) => s + b.amountFcfa, 0);
  const byName = (a: PaymentFiguresRow, b: PaymentFiguresRow) => a.name.localeCompare(b.name, 'fr');
  const order = (s: string) => (FUNDING_SOURCES as readonly string[]).indexOf(s);
  return {
    cycleId,
    area,
    at: new Date().toISOString(),
    totals,
    budgetFcfa,
    reservedFcfa,
    executionRate: ratio(totals.paidFcfa, national ? budgetFcfa : reservedFcfa),
    byRegion: [...regions.values()].sort(byName),
    byAgency: [...agencies.values()].sort(byName),
    byFundingSource: [...new Set([...(national ? budgetOf.keys() : []), ...reservedOf.keys(), ...sources.keys()])]
      .sort((a, b) => order(a) - order(b))
      .map((source) => {
        const row = sources.get(source) ?? { key: source, name: source, ...zero() };
        const budget = national ? (budgetOf.get(source) ?? 0) : null;
        const reserved = reservedOf.get(source) ?? 0;
        return { ...row, budgetFcfa: budget, reservedFcfa: reserved, executionRate: ratio(row.paidFcfa, national ? budget : reserved) };
      }),
  };
}

/** Payments and amounts per cycle and status, every cycle at once, from the batch counters: what /metrics exposes. */
export function paymentsByStatus(sql: Sql): Promise<Array<{ cycleId: string; status: PaymentStatus; payments: number; amountFcfa: number }>> {
  return sql`
    select cycle_id as "cycleId", status, sum(payments)::float8 as payments, sum(amount_fcfa)::float8 as "amountFcfa"
    from payment_figures group by cycle_id, status`;
}
