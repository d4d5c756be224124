import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

/** Puts these households in the cycle's targeting selection, as an eligibility run would, when a test needs an exact selection. */
export async function selectForTargeting(database: Database, cycleId: string, rsuIds: string[]) {
  await database.db.execute(sql`
    insert into targeting_results (cycle_id, rsu_id, commune_code, village, eligible, outcome, need, rank, village_quota, selected)
    select ${cycleId}, h.rsu_id, h.commune_code, h.village, true, 'selected', 50, 1, 1, true
    from households h where h.rsu_id in (${sql.join(rsuIds.map((id) => sql`${id}`), sql`, `)})`);
}
