import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../../db/client';
import { identityKey } from '../../db/schema';
import { IMPORTS_CHANNEL, type ImportProgress } from '../../domain/events';

const HEARTBEAT_MS = 5_000;

/** Pairs a household touched by the import with every other live household that shares one of the keys. */
const FLAG_PAIRS = `
with touched as (
  select h.rsu_id, h.nina, h.phone, ${identityKey('h')} as identity
  from households h
  where h.last_import_id = $1 and h.duplicate_of is null
),
candidates as (
  select t.rsu_id as x, h.rsu_id as y, 'nina'::duplicate_reason as reason
  from touched t join households h on h.nina = t.nina
  where h.rsu_id <> t.rsu_id and h.duplicate_of is null
  union all
  select t.rsu_id, h.rsu_id, 'phone'::duplicate_reason
  from touched t join households h on h.phone = t.phone
  where h.rsu_id <> t.rsu_id and h.duplicate_of is null
  union all
  select t.rsu_id, h.rsu_id, 'name-birth-commune'::duplicate_reason
  from touched t join households h on ${identityKey('h')} = t.identity
  where h.rsu_id <> t.rsu_id and h.duplicate_of is null
),
found as (
  select least(x, y) as a, greatest(x, y) as b, array_agg(distinct reason order by reason) as reasons
  from candidates
  group by 1, 2
),
saved as (
  insert into duplicate_pairs as p (rsu_id_a, rsu_id_b, reasons, found_by_import)
  select a, b, reasons, $1 from found
  -- Known pairs are never flagged again; an open one only learns a new reason.
  on conflict (rsu_id_a, rsu_id_b) do update
    set reasons = array(select distinct r from unnest(p.reasons || excluded.reasons) r order by r)
    where p.status = 'open' and not (excluded.reasons <@ p.reasons)
  returning (xmax = 0) as inserted
)
select count(*) filter (where inserted)::int as flagged, count(*) filter (where not inserted)::int as widened from saved`;

export interface DuplicateDetection {
  /** New pairs in the review queue. */
  flagged: number;
  /** Open pairs that gained a reason. */
  widened: number;
  /** Every pair this import has brought in, across retries: the import's read model. */
  pairsFromImport: number;
}

export function createDuplicateActivities({ database }: { database: Database }) {
  const { sql } = database;
  return {
    /**
     * Flags possible duplicates among the households an import inserted or changed, against the whole
     * register, in one statement. Safe to retry: a pair is stored once.
     */
    async detectDuplicates({ importId }: { importId: string }): Promise<DuplicateDetection> {
      const [job] = await sql`select 1 from register_imports where id = ${importId}`;
      if (!job) throw ApplicationFailure.nonRetryable(`No register import ${importId}`, 'NotFound');
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        const [counts] = await sql.unsafe<{ flagged: number; widened: number }[]>(FLAG_PAIRS, [importId]);
        const [done] = await sql<(ImportProgress & { pairs: number })[]>`
          update register_imports
          set duplicate_pairs = (select count(*) from duplicate_pairs where found_by_import = ${importId})
          where id = ${importId}
          returning duplicate_pairs as pairs, rows_read as "rowsRead", rows_accepted as "rowsAccepted", rows_rejected as "rowsRejected", bytes_total::float8 as "bytesTotal"`;
        // Consoles refetch a finished import on this, and so see its pair count.
        const progress: ImportProgress = { importId, status: 'completed', rowsRead: done!.rowsRead, rowsAccepted: done!.rowsAccepted, rowsRejected: done!.rowsRejected, bytesRead: done!.bytesTotal, bytesTotal: done!.bytesTotal, secondsLeft: 0 };
        await sql`select pg_notify(${IMPORTS_CHANNEL}, ${JSON.stringify(progress)})`;
        return { flagged: counts!.flagged, widened: counts!.widened, pairsFromImport: done!.pairs };
      } finally {
        clearInterval(beat);
      }
    },
  };
}
