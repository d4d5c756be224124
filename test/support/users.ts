import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../api/auth/secrets';
import { newTotpSecret } from '../../api/auth/totp';
import type { Database } from '../../db/client';
import { users } from '../../db/schema';
import { needsSecondFactor, type ActorContext, type Area, type Role } from '../../domain/roles';
import { signIn, type ApiSession } from '../../scripts/api-session';

export const TEST_PASSWORD = 'correct-horse-battery-staple';
let hashed: Promise<string> | undefined;

export interface TestUser {
  id: string;
  username: string;
  password: string;
  totpSecret: string | null;
}

/** A user with these roles and area, enrolled in TOTP when a role needs it. */
export async function createUser(database: Database, roles: Role[], area: Area = { level: 'national' }, name = roles.join('-')): Promise<TestUser> {
  hashed ??= hashPassword(TEST_PASSWORD);
  const username = `${name}-${randomUUID().slice(0, 6)}`.toLowerCase();
  const totpSecret = needsSecondFactor(roles) ? newTotpSecret() : null;
  const [row] = await database.db
    .insert(users)
    .values({
      username,
      displayName: username,
      passwordHash: await hashed,
      roles,
      areaLevel: area.level,
      areaRegion: area.level === 'national' ? null : area.region,
      areaCommune: area.level === 'commune' ? area.commune : null,
      totpSecret,
      totpEnabledAt: totpSecret ? new Date() : null,
    })
    .returning({ id: users.id });
  return { id: row!.id, username, password: TEST_PASSWORD, totpSecret };
}

export async function signInAs(database: Database, baseUrl: string, roles: Role[], area?: Area): Promise<ApiSession & { user: TestUser }> {
  const user = await createUser(database, roles, area);
  const session = await signIn(baseUrl, user.username, user.password, user.totpSecret ?? undefined);
  return Object.assign(session, { user });
}

/** The context the API would pass for this person, for tests that call services or workflows directly. */
export function actorFor(username: string, roles: Role[] = ['coordinator'], area: Area = { level: 'national' }): ActorContext {
  return { principal: { kind: 'user', id: randomUUID(), username, roles, area }, ip: '127.0.0.1', requestId: null };
}
