import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, inet, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { areaLevelEnum, roleEnum } from './enums';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** People who sign in to the console. Username is stored lower-case. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull().unique(),
    displayName: text('display_name').notNull(),
    passwordHash: text('password_hash').notNull(),
    roles: roleEnum('roles').array().notNull(),
    areaLevel: areaLevelEnum('area_level').notNull().default('national'),
    areaRegion: text('area_region'),
    areaCommune: text('area_commune'),
    /** Base32 TOTP secret; null until the user enrols. */
    totpSecret: text('totp_secret'),
    totpEnabledAt: at('totp_enabled_at'),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    disabledAt: at('disabled_at'),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    check('users_area_shape', sql`(${t.areaLevel} = 'national' and ${t.areaRegion} is null and ${t.areaCommune} is null)
      or (${t.areaLevel} = 'region' and ${t.areaRegion} is not null and ${t.areaCommune} is null)
      or (${t.areaLevel} = 'commune' and ${t.areaRegion} is not null and ${t.areaCommune} is not null)`),
    check('users_username_lower', sql`${t.username} = lower(${t.username})`),
  ],
);

/** Server-side sessions: the cookie holds a random token, the row its SHA-256. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: at('created_at').notNull().defaultNow(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    /** Sent back by the console in a header on every change: a cross-site form cannot know it. */
    csrfToken: text('csrf_token').notNull(),
    /** Set once the second factor is checked; a session that needs one can do nothing else before. */
    secondFactorAt: at('second_factor_at'),
    revokedAt: at('revoked_at'),
    revokedReason: text('revoked_reason'),
    ip: inet('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** Failed sign-ins, counted per account and per address to throttle guessing. */
export const loginFailures = pgTable(
  'login_failures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    username: text('username').notNull(),
    ip: inet('ip'),
    at: at('at').notNull().defaultNow(),
  },
  (t) => [index('login_failures_username_idx').on(t.username, t.at), index('login_failures_ip_idx').on(t.ip, t.at)],
);

/** Integrations (a hotline, an SMS gateway, a payment agency) calling with a bearer token. */
export const serviceTokens = pgTable('service_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  /** First characters of the token, to recognise it in lists; the rest is only stored hashed. */
  prefix: text('prefix').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  roles: roleEnum('roles').array().notNull(),
  areaLevel: areaLevelEnum('area_level').notNull().default('national'),
  areaRegion: text('area_region'),
  areaCommune: text('area_commune'),
  createdBy: text('created_by').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
  lastUsedAt: at('last_used_at'),
  revokedAt: at('revoked_at'),
});

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
