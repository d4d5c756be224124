import { OpenAPIHono, z } from '@hono/zod-openapi';
import { stringify } from 'csv-stringify/sync';
import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditRow } from '../../db/audit';
import { auditLog, type AuditRow } from '../../db/schema';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, line } from '../schemas';
import { validationHook } from '../validation';
import { guardedRoute, json } from './guard';

const EXPORT_LIMIT = 50_000;

/** An ISO-8601 instant within the years the program can have records for. */
const instant = () =>
  z.iso.datetime({ offset: true }).refine((v) => {
    const year = new Date(v).getUTCFullYear();
    return year >= 2000 && year <= 2100;
  }, 'Use a date between the years 2000 and 2100');

const FiltersSchema = z
  .object({
    actor: line().trim().max(80).optional(),
    action: line().trim().max(80).optional(),
    targetType: line().trim().max(40).optional(),
    targetId: line().trim().max(80).optional(),
    from: instant().optional().openapi({ description: 'ISO-8601 instant, inclusive' }),
    to: instant().optional().openapi({ description: 'ISO-8601 instant, inclusive' }),
    before: z.coerce.number().int().positive().optional().openapi({ description: 'Entries older than this id (next page)' }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const EntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actorKind: z.enum(['user', 'service']),
    actorUsername: z.string(),
    actorRoles: z.array(z.string()),
    actorArea: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    before: z.unknown().nullable(),
    after: z.unknown().nullable(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
  })
  .openapi('AuditEntry');

const listAudit = guardedRoute('audit.read', {
  method: 'get',
  path: '/',
  tags: ['audit'],
  summary: 'The audit trail, newest first, filtered',
  request: { query: FiltersSchema },
  responses: { 200: json(z.object({ entries: z.array(EntrySchema), nextBefore: z.number().int().nullable() }), 'Entries'), 400: json(ErrorSchema, 'Invalid filter') },
});

const exportAudit = guardedRoute('audit.export', {
  method: 'get',
  path: '/export.csv',
  tags: ['audit'],
  summary: 'The filtered audit trail as CSV (the export is itself audited)',
  request: { query: FiltersSchema.omit({ before: true, limit: true }) },
  responses: { 200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV, one entry a row' }, 400: json(ErrorSchema, 'Invalid filter') },
});

function where(f: Partial<z.infer<typeof FiltersSchema>>): SQL | undefined {
  const clauses = [
    f.actor ? eq(auditLog.actorUsername, f.actor.toLowerCase()) : undefined,
    f.action ? eq(auditLog.action, f.action) : undefined,
    f.targetType ? eq(auditLog.targetType, f.targetType) : undefined,
    f.targetId ? eq(auditLog.targetId, f.targetId) : undefined,
    f.from ? gte(auditLog.at, new Date(f.from)) : undefined,
    f.to ? lte(auditLog.at, new Date(f.to)) : undefined,
    f.before ? lt(auditLog.id, f.before) : undefined,
  ].filter((c): c is SQL => c !== undefined);
  return clauses.length ? and(...clauses) : undefined;
}

function entry(row: AuditRow): z.infer<typeof EntrySchema> {
  return { ...row, at: row.at.toISOString(), before: row.before ?? null, after: row.after ?? null };
}

export function auditRoutes({ database }: { database: Database }) {
  const { db } = database;
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(listAudit, async (c) => {
      const filters = c.req.valid('query');
      const rows = await db.select().from(auditLog).where(where(filters)).orderBy(desc(auditLog.id)).limit(filters.limit + 1);
      const page = rows.slice(0, filters.limit);
      return c.json({ entries: page.map(entry), nextBefore: rows.length > filters.limit ? page.at(-1)!.id : null }, 200);
    })
    .openapi(exportAudit, async (c) => {
      const filters = c.req.valid('query');
      const rows = await db.select().from(auditLog).where(where(filters)).orderBy(desc(auditLog.id)).limit(EXPORT_LIMIT);
      await db.insert(auditLog).values(auditRow(actorContext(c, principalIn(c)), { action: 'audit.export', targetType: 'audit', after: { filters, rows: rows.length } }));
      const csv = stringify(
        rows.map((r) => ({ ...r, at: r.at.toISOString(), actorRoles: r.actorRoles.join(' '), before: r.before ? JSON.stringify(r.before) : '', after: r.after ? JSON.stringify(r.after) : '' })),
        {
          header: true,
          columns: ['id', 'at', 'actorKind', 'actorUsername', 'actorRoles', 'actorArea', 'action', 'targetType', 'targetId', 'before', 'after', 'ip', 'requestId'],
        },
      );
      c.header('content-disposition', `attachment; filename="jigi-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
      return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8' });
    });
}
