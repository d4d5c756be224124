import { bigserial, index, inet, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { principalKindEnum, roleEnum } from './enums';

/**
 * Append-only trail of every mutation, written in the transaction of the change.
 * The database refuses UPDATE, DELETE and TRUNCATE on it (trigger in migration 0002).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actorKind: principalKindEnum('actor_kind').notNull(),
    actorId: text('actor_id').notNull(),
    actorUsername: text('actor_username').notNull(),
    actorRoles: roleEnum('actor_roles').array().notNull(),
    actorArea: text('actor_area').notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    ip: inet('ip'),
    requestId: text('request_id'),
  },
  (t) => [index('audit_log_at_idx').on(t.at), index('audit_log_target_idx').on(t.targetType, t.targetId), index('audit_log_actor_idx').on(t.actorUsername)],
);

export type AuditRow = typeof auditLog.$inferSelect;
