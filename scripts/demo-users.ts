import { eq } from 'drizzle-orm';
import { hashPassword } from '../api/auth/secrets';
import type { Database } from '../db/client';
import { users } from '../db/schema';
import type { Area, Role } from '../domain/roles';
import { needsSecondFactor } from '../domain/roles';

/** Demo only: one user per role, with known passwords and, where the role needs one, a known TOTP secret. */
export const DEMO_PASSWORD = 'jigi-demo-2021';
export const DEMO_TOTP_SECRET = 'JIGIDEMOJIGIDEMOJIGIDEMOJIGIDEMO';

export const DEMO_USERS: Array<{ username: string; displayName: string; role: Role; area: Area }> = [
  { username: 'coordination', displayName: 'Mahmoud Ali Sacko', role: 'coordinator', area: { level: 'national' } },
  { username: 'suivi', displayName: 'Aminata Coulibaly', role: 'me-officer', area: { level: 'national' } },
  { username: 'passation', displayName: 'Oumar Diallo', role: 'procurement-officer', area: { level: 'national' } },
  // A second procurement officer: each step one prepares, the other approves (four eyes).
  { username: 'passation-2', displayName: 'Kadiatou Sidibé', role: 'procurement-officer', area: { level: 'national' } },
  { username: 'paiements', displayName: 'Fatoumata Diarra', role: 'payment-operator', area: { level: 'national' } },
  { username: 'plaintes', displayName: 'Ibrahim Traoré', role: 'grievance-officer', area: { level: 'national' } },
  { username: 'point-focal-mopti', displayName: 'Awa Guindo', role: 'focal-point', area: { level: 'region', region: 'MOP' } },
  { username: 'audit', displayName: 'Seydou Keïta', role: 'auditor', area: { level: 'national' } },
  { username: 'admin-demo', displayName: 'Admin démo', role: 'admin', area: { level: 'national' } },
];

export async function seedDemoUsers(database: Database, log: (line: string) => void) {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  let created = 0;
  for (const u of DEMO_USERS) {
    const [exists] = await database.db.select({ id: users.id }).from(users).where(eq(users.username, u.username));
    if (exists) continue;
    const twoFactor = needsSecondFactor([u.role]);
    await database.db.insert(users).values({
      username: u.username,
      displayName: u.displayName,
      passwordHash,
      roles: [u.role],
      areaLevel: u.area.level,
      areaRegion: u.area.level === 'national' ? null : u.area.region,
      areaCommune: u.area.level === 'commune' ? u.area.commune : null,
      totpSecret: twoFactor ? DEMO_TOTP_SECRET : null,
      totpEnabledAt: twoFactor ? new Date() : null,
    });
    created += 1;
  }
  if (created > 0) log(`demo users created (password "${DEMO_PASSWORD}"; see README for the authenticator secret)`);
}
