// The disbursement phase's own I/O: declaring and building each commune's payment list from the frozen
// beneficiary list, and handing released lists to payment runs exactly once.
import { Context } from '@temporalio/activity';
import type { Database } from '../db/client';
import type { FundingSource } from '../domain/funding';
import type { LotArea } from '../domain/procurement';
import { lotsOverlap } from '../domain/procurement';
import { mapLimit, whileBeating, type BuildPaymentListsInput, type BuiltPaymentList } from './payment-batch';
import type { ReconcileListInput, ReconcileListResult } from './reconciliation';

export interface PrepareDisbursementInput {
  cycleId: string;
  tranche: number;
  batchSize: number;
}

export interface PreparedDisbursement {
  /** Lists of the tranche, declared and built (this call or an earlier one). */
  lists: number;
  households: number;
  amountFcfa: number;
  /** Lists whose built content does not match their declaration: they cannot be released. */
  mismatched: number;
  /** Communes of the frozen list that no payment agency's contract covers: nothing is declared there. */
  communesWithoutAgency: string[];
}

export interface ClaimedList {
  listId: string;
  agencyId: string;
  tranche: number;
  batches: number;
}

interface AgencyChoice {
  id: string;
  lots: LotArea[];
  feeFcfaPerPayment: number;
  feeBasisPoints: number;
}

/** The agency that pays a commune: one whose contract covers it, the cheapest for the transfer amount. */
export function agencyFor(agencies: readonly AgencyChoice[], place: { region: string; commune: string }, amountFcfa: number): string | null {
  const covering = agencies.filter((a) => lotsOverlap(a.lots, [{ level: 'commune', ...place }]));
  const cost = (a: AgencyChoice) => a.feeFcfaPerPayment + Math.ceil((amountFcfa * a.feeBasisPoints) / 10_000);
  covering.sort((a, b) => cost(a) - cost(b) || a.id.localeCompare(b.id));
  return covering[0]?.id ?? null;
}

function heartbeat(details: unknown) {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* called outside an activity (a script) */
  }
}

export interface ReconciledLists {
  lists: number;
  matched: number;
  mismatches: number;
  ledgerTotalFcfa: number;
  statementTotalFcfa: number;
}

export function createDisbursementActivities({
  database,
  buildPaymentLists,
  reconcilePaymentList,
}: {
  database: Database;
  buildPaymentLists: (input: BuildPaymentListsInput) => Promise<Record<string, BuiltPaymentList>>;
  reconcilePaymentList: (input: ReconcileListInput) => Promise<ReconcileListResult>;
}) {
  const { sql } = database;
  return {
    /**
     * Declares one list per commune of the frozen beneficiary list (its count and total, on the funding
     * source with the most budget left) through the agency covering it, then builds each from the
     * frozen list. Safe to run again: declared lists are kept, built ones are not rebuilt.
     */
    async prepareDisbursement({ cycleId, tranche, batchSize }: PrepareDisbursementInput): Promise<PreparedDisbursement> {
      const communes = await sql<Array<{ region: string; commune: string; count: number; total: number; amount: number }>>`
        select region_code as region, commune_code as commune, count(*)::int as count, sum(amount_fcfa)::bigint::float8 as total, max(amount_fcfa)::int as amount
        from beneficiaries where cycle_id = ${cycleId} group by region_code, commune_code order by region_code, commune_code`;
      const agencies = await sql<AgencyChoice[]>`
        select id, lots, fee_fcfa_per_payment as "feeFcfaPerPayment", fee_basis_points as "feeBasisPoints" from payment_agencies order by id`;
      const lines = await sql<Array<{ source: FundingSource; left: number }>>`
        select f.source, (f.amount_fcfa - coalesce((select sum(l.declared_total_fcfa) from payment_lists l
          where l.cycle_id = f.cycle_id and l.funding_source = f.source and l.status <> 'cancelled'), 0))::float8 as left
        from cycle_funding_sources f where f.cycle_id = ${cycleId} order by f.source`;
      const declared = new Set(
        (await sql<Array<{ commune: string }>>`select distinct commune_code as commune from payment_lists where cycle_id = ${cycleId} and tranche = ${tranche} and sequence = 1`).map(
          (r) => r.commune,
        ),
      );
      const withoutAgency: string[] = [];
      for (const c of communes) {
        if (declared.has(c.commune)) continue;
        const agencyId = agencyFor(agencies, c, c.amount);
        if (!agencyId) {
          withoutAgency.push(c.commune);
          continue;
        }
        // The line with the most left; an overrun is refused at release, with the line named.
        const line = [...lines].sort((a, b) => b.left - a.left)[0];
        if (!line) {
          withoutAgency.push(c.commune);
          continue;
        }
        line.left -= c.total;
        await sql`
          insert into payment_lists (cycle_id, region_code, commune_code, agency_id, tranche, sequence, funding_source, declared_count, declared_total_fcfa)
          values (${cycleId}, ${c.region}, ${c.commune}, ${agencyId}, ${tranche}, 1, ${line.source}::funding_source, ${c.count}, ${c.total})
          on conflict do nothing`;
      }
      const lists = await sql<Array<{ id: string }>>`
        select id from payment_lists where cycle_id = ${cycleId} and tranche = ${tranche} order by commune_code, sequence`;
      heartbeat({ building: lists.length });
      const built = await buildPaymentLists({ cycleId, tranche, listIds: lists.map((l) => l.id), batchSize });
      let households = 0;
      let amountFcfa = 0;
      let mismatched = 0;
      for (const list of Object.values(built)) {
        households += list.count;
        amountFcfa += list.totalFcfa;
        if (!list.matchesDeclaration) mismatched += 1;
      }
      return { lists: lists.length, households, amountFcfa, mismatched, communesWithoutAgency: withoutAgency };
    },

    /** At the end of a run, its lists reconciled with the agency's statement, two at a time. */
    async reconcilePaymentLists({ listIds }: { listIds: string[] }): Promise<ReconciledLists> {
      const total: ReconciledLists = { lists: 0, matched: 0, mismatches: 0, ledgerTotalFcfa: 0, statementTotalFcfa: 0 };
      // Even waiting for another list's statement read, the worker beats all along.
      await whileBeating(
        () => ({ reconciled: total.lists, of: listIds.length }),
        () =>
          mapLimit(listIds, 2, async (listId) => {
            const r = await reconcilePaymentList({ listId });
            total.lists += 1;
            total.matched += r.matched;
            total.mismatches += r.mismatches;
            total.ledgerTotalFcfa += r.ledgerTotalFcfa;
            total.statementTotalFcfa += r.statementTotalFcfa;
          }),
      );
      return total;
    },

    /**
     * Takes every released list no run has taken yet, under the caller's claim token. Asked again with
     * the same token (a retried activity), it answers the same lists, so none is lost or taken twice.
     */
    async claimReleasedLists({ cycleId, claim }: { cycleId: string; claim: string }): Promise<ClaimedList[]> {
      await sql`update payment_lists set run_claim = ${claim} where cycle_id = ${cycleId} and status = 'released' and run_claim is null`;
      return sql<ClaimedList[]>`
        select l.id as "listId", l.agency_id as "agencyId", l.tranche,
          coalesce((select max(p.batch_no) + 1 from payments p where p.list_id = l.id), 0)::int as batches
        from payment_lists l where l.cycle_id = ${cycleId} and l.run_claim = ${claim} order by l.agency_id, l.commune_code, l.sequence`;
    },
  };
}
