import { eq } from 'drizzle-orm';
import { isUuid } from '../domain/ids';
import type { Database } from '../db/client';
import { cycles, type CycleRow } from '../db/schema';
import { ApiError } from './errors';

/** The answer to an id that is no cycle's, a malformed one included. */
export const cycleNotFound = (cycleId: string) => new ApiError(404, 'not_found', `No cycle with id "${cycleId}".`);

/** The cycle of a route's `:cycleId`, or 404 (never a database error for an id that is not a UUID). */
export async function requireCycleRow(db: Database['db'], cycleId: string): Promise<CycleRow> {
  const [row] = isUuid(cycleId) ? await db.select().from(cycles).where(eq(cycles.id, cycleId)) : [];
  if (!row) throw cycleNotFound(cycleId);
  return row;
}
