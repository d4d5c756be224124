import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

/** Puts these households in the cycle's targeting selection, as an eligibility run would. */
export async function selectForTargeting(database: Database, cycleId: string, rsuIds: string[]) {
  await database.db.execute(sql`create table if not exists targeting_results (cycle_id uuid, rsu_id text, commune_code text, selected boolean)`);
  await database.db.execute(sql`
    insert into targeting_results (cycle_id, rsu_id, commune_code, selected)
    select ${cycleId}, h.rsu_id, h.commune_code, true from households h where h.rsu_id in (${sql.join(rsuIds.map((id) => sql`${id}`), sql`, `)})`);
}
