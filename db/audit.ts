import type { ActorContext } from '../domain/roles';
import { describeArea } from '../domain/roles';
import { type auditLog } from './schema';

export interface AuditEvent {
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

/** The audit row for one change; insert it with the change, in the same transaction. */
export function auditRow(by: ActorContext, event: AuditEvent): typeof auditLog.$inferInsert {
  return {
    actorKind: by.principal.kind,
    actorId: by.principal.id,
    actorUsername: by.principal.username,
    actorRoles: by.principal.roles,
    actorArea: describeArea(by.principal.area),
    action: event.action,
    targetType: event.targetType,
    targetId: event.targetId ?? null,
    before: event.before ?? null,
    after: event.after ?? null,
    ip: by.ip,
    requestId: by.requestId,
  };
}
