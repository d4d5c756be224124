import { and, arrayContains, count, isNull } from 'drizzle-orm';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import { hashPassword, randomToken } from './auth/secrets';

export const BOOTSTRAP_ADMIN = 'admin';

/**
 * First start: with no active administrator, creates one. Its one-time password comes from
 * JIGI_ADMIN_PASSWORD or is generated and printed once; it must be changed at first sign-in.
 */
export async function ensureAdministrator(database: Database, password: string | undefined, log: (line: string) => void) {
  const [admins] = await database.db.select({ n: count() }).from(users).where(and(arrayContains(users.roles, ['admin']), isNull(users.disabledAt)));
  if (admins!.n > 0) return;
  const oneTime = password ?? randomToken().slice(0, 20);
  const inserted = await database.db
    .insert(users)
    .values({ username: BOOTSTRAP_ADMIN, displayName: 'Administrateur', passwordHash: await hashPassword(oneTime), roles: ['admin'], mustChangePassword: true })
    .onConflictDoNothing()
    .returning({ id: users.id });
  // Another API node may have created it at the same moment: only the one that did prints it.
  if (inserted.length > 0 && !password) log(`first start: administrator "${BOOTSTRAP_ADMIN}" created with one-time password ${oneTime} (shown once; change it at first sign-in)`);
}
