import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { paymentAgencies, paymentLists, type PaymentAgencyRow } from '../db/schema';
import { parsePaymentIdempotencyKey, type PaymentStatus } from '../domain/payments';
import { reconcileList, type LedgerPayment, type StatementEntry } from '../domain/reconciliation';
import type { AgencyRegistry } from './adapters/agency-registry';
import type { AgencyStatementLine } from './ports/payment-agency';

export interface ReconcileListInput {
  listId: string;
}

export interface ReconcileListResult {
  /** Payments the ledger holds as paid that the statement shows paid once, at their amount. */
  matched: number;
  /** Differences found by this run (each listed once in payment_reconciliation_items). */
  mismatches: number;
  ledgerTotalFcfa: number;
  statementTotalFcfa: number;
}

const LINES_PER_INSERT = 5_000;
/** Who closes an item that a later run no longer finds. */
export const RECONCILIATION_ACTOR = 'reconciliation';

function heartbeat(details: unknown) {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* called outside an activity (a script, a test) */
  }
}

export function createReconciliationActivities({ database, agencies }: { database: Database; agencies: AgencyRegistry }) {
  const { db, sql } = database;

  /**
   * Reads what an agency's statement holds beyond what was read before and keeps it. One reader per
   * agency at a time (an advisory lock on a connection of its own), so lists of one agency reconciled
   * together read its statement once between them.
   */
  async function importStatement(agencyRow: PaymentAgencyRow): Promise<number> {
    const connection = await sql.reserve();
    try {
      await connection`select pg_advisory_lock(hashtext(${`agency-statement:${agencyRow.id}`}))`;
      const [cursor] = await connection<Array<{ after: string }>>`select after from agency_statement_cursors where agency_id = ${agencyRow.id}`;
      let pending: AgencyStatementLine[] = [];
      let read = 0;
      const flush = async () => {
        if (pending.length === 0) return;
        const lines = pending;
        pending = [];
        const parts = lines.map((l) => parsePaymentIdempotencyKey(l.idempotencyKey));
        // A reserved connection has no begin(): the transaction is spelled out.
        await connection`begin`;
        try {
          const tx = connection;
          await tx`
            insert into agency_statement_lines (agency_id, cursor, idempotency_key, reference, amount_fcfa, reversal, paid_at, cycle_id, rsu_id, tranche)
            select ${agencyRow.id}, u.cursor, u.key, u.reference, u.amount, u.reversal, u.paid_at::timestamptz, u.cycle_id::uuid, u.rsu_id, u.tranche
            from unnest(
              ${tx.array(lines.map((l) => l.cursor ?? `${l.reference}:${l.reversal ? 'R' : 'P'}`))}::text[],
              ${tx.array(lines.map((l) => l.idempotencyKey))}::text[],
              ${tx.array(lines.map((l) => l.reference))}::text[],
              ${tx.array(lines.map((l) => l.amountFcfa))}::int[],
              ${tx.array(lines.map((l) => l.reversal === true))}::boolean[],
              ${tx.array(lines.map((l) => l.paidAt))}::text[],
              ${tx.array(parts.map((p) => p?.cycleId ?? null))}::text[],
              ${tx.array(parts.map((p) => p?.rsuId ?? null))}::text[],
              ${tx.array(parts.map((p) => p?.tranche ?? null))}::int[]
            ) as u(cursor, key, reference, amount, reversal, paid_at, cycle_id, rsu_id, tranche)
            on conflict (agency_id, cursor) do nothing`;
          const last = lines.at(-1)!.cursor;
          if (last !== undefined) {
            await tx`
              insert into agency_statement_cursors (agency_id, after, read_at) values (${agencyRow.id}, ${last}, now())
              on conflict (agency_id) do update set after = excluded.after, read_at = now()`;
          }
          await connection`commit`;
        } catch (err) {
          await connection`rollback`.catch(() => undefined);
          throw err;
        }
        read += lines.length;
        heartbeat({ agencyId: agencyRow.id, read });
      };
      // The next pages are read while the last ones are written: one write at a time, in order.
      let writing: Promise<void> = Promise.resolve();
      for await (const line of agencies.get(agencyRow).statement(cursor?.after)) {
        pending.push(line);
        if (pending.length >= LINES_PER_INSERT) {
          await writing;
          writing = flush();
          writing.catch(() => undefined); // awaited before the next write or after the last page
        }
      }
      await writing;
      await flush();
      return read;
    } finally {
      await connection`select pg_advisory_unlock(hashtext(${`agency-statement:${agencyRow.id}`}))`.catch(() => undefined);
      connection.release();
    }
  }

  return {
    /**
     * Compares a list's payments in the ledger with what its agencies' statements say they paid
     * (the API's statement for mobile money, the camt.053 file for banks), lists each difference
     * once for an operator, and records the list's totals. Running it again adds nothing twice;
     * an open item a later run no longer finds is closed as such.
     */
    async reconcilePaymentList({ listId }: ReconcileListInput): Promise<ReconcileListResult> {
      const [list] = await db.select().from(paymentLists).where(eq(paymentLists.id, listId));
      if (!list) throw ApplicationFailure.nonRetryable(`No payment list ${listId}`, 'NotFound');
      // A re-routed payment may sit with another agency than the list's: read every agency involved.
      const agencyIds = await sql<Array<{ agencyId: string }>>`select distinct agency_id as "agencyId" from payments where list_id = ${listId}`;
      const ids = [...new Set([list.agencyId, ...agencyIds.map((a) => a.agencyId)])];
      for (const row of await db.select().from(paymentAgencies).where(inArray(paymentAgencies.id, ids))) await importStatement(row);

      const ledger = await sql<LedgerPayment[]>`
        select id::float8 as id, rsu_id as "rsuId", tranche, status, amount_fcfa as "amountFcfa", idempotency_key as "idempotencyKey", agency_reference as "agencyReference"
        from payments where list_id = ${listId} order by id`;
      // Two agencies reading one statement (one operator holding two lots) import the same transfer
      // twice: a transfer is its key, its reference and its direction, whoever imported it.
      const entries = await sql<StatementEntry[]>`
        select "idempotencyKey", reference, "amountFcfa", reversal from (
          select distinct on (l.idempotency_key, l.reference, l.reversal)
            l.id, l.idempotency_key as "idempotencyKey", l.reference, l.amount_fcfa as "amountFcfa", l.reversal
          from agency_statement_lines l
          join payments p on p.cycle_id = l.cycle_id and p.rsu_id = l.rsu_id and p.tranche = l.tranche
          where p.list_id = ${listId}
          order by l.idempotency_key, l.reference, l.reversal, l.id
        ) e order by e.id`;
      const result = reconcileList(list.cycleId, ledger.map((p) => ({ ...p, status: p.status as PaymentStatus })), entries);

      await sql.begin(async (tx) => {
        const m = result.mismatches;
        if (m.length > 0) {
          await tx`
            insert into payment_reconciliation_items (cycle_id, list_id, payment_id, kind, match_key, ledger_amount_fcfa, statement_amount_fcfa, agency_reference, statement_key)
            select ${list.cycleId}, ${listId}, u.payment_id, u.kind::reconciliation_item_kind, u.match_key, u.ledger_amount, u.statement_amount, u.reference, u.statement_key
            from unnest(
              ${tx.array(m.map((x) => x.paymentId))}::bigint[],
              ${tx.array(m.map((x) => x.kind))}::text[],
              ${tx.array(m.map((x) => x.matchKey))}::text[],
              ${tx.array(m.map((x) => x.ledgerAmountFcfa))}::int[],
              ${tx.array(m.map((x) => x.statementAmountFcfa))}::int[],
              ${tx.array(m.map((x) => x.agencyReference))}::text[],
              ${tx.array(m.map((x) => x.statementKey))}::text[]
            ) as u(payment_id, kind, match_key, ledger_amount, statement_amount, reference, statement_key)
            on conflict (list_id, match_key) do nothing`;
        }
        await tx`
          update payment_reconciliation_items set resolved_at = now(), resolved_by = ${RECONCILIATION_ACTOR}, resolved_by_name = ${RECONCILIATION_ACTOR},
            resolution_note = 'no longer found by reconciliation'
          where list_id = ${listId} and resolved_at is null and not (match_key = any(${tx.array(m.map((x) => x.matchKey))}::text[]))`;
        await tx`
          insert into payment_reconciliations (list_id, cycle_id, reconciled_at, runs, matched, mismatches, ledger_total_fcfa, statement_total_fcfa)
          values (${listId}, ${list.cycleId}, now(), 1, ${result.matched}, ${m.length}, ${result.ledgerTotalFcfa}, ${result.statementTotalFcfa})
          on conflict (list_id) do update set reconciled_at = now(), runs = payment_reconciliations.runs + 1, matched = excluded.matched,
            mismatches = excluded.mismatches, ledger_total_fcfa = excluded.ledger_total_fcfa, statement_total_fcfa = excluded.statement_total_fcfa`;
      });
      return { matched: result.matched, mismatches: result.mismatches.length, ledgerTotalFcfa: result.ledgerTotalFcfa, statementTotalFcfa: result.statementTotalFcfa };
    },
  };
}
