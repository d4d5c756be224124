import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { and, asc, eq, inArray, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { auditLog, communes, cycles, grievanceCases, grievanceReferenceSequence, grievanceTimeline, households } from '../../db/schema';
import {
  DEFAULT_GRIEVANCE_SETTINGS,
  duplicateKey,
  ESCALATION_LEVELS,
  GRIEVANCE_CATEGORIES,
  GRIEVANCE_CHANNELS,
  GRIEVANCE_STATUSES,
  grievanceReference,
  OPEN_STATUSES,
  openGrievance,
  SENSITIVE_CATEGORIES,
  whyCannotAct,
  whyCannotFile,
  whyCannotFileAs,
  type CommuneArea,
  type Complainant,
  type GrievanceAction,
  type GrievanceRefusal,
  type GrievanceSettings,
} from '../../domain/grievances';
import { grievanceWorkflowId, isUuid } from '../../domain/ids';
import { maskIdentifier } from '../../domain/personal-data';
import { authorize } from '../../domain/policy';
import type { ActorContext, Principal } from '../../domain/roles';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { grievanceCaseWorkflow } from '../../workflows';
import { GRIEVANCE_UPDATES, grievanceCaseQuery } from '../../workflows/messages';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, line, text } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';

const code = z.string().trim().min(1).max(20);
const ComplainantSchema = z.union([
  z.object({ kind: z.literal('household'), rsuId: code.openapi({ example: 'RSU-KAY-000001' }) }).strict(),
  z.object({ kind: z.literal('person'), name: line().trim().min(2).max(200), phone: z.string().trim().regex(/^\+?[0-9 ]{8,16}$/, 'A phone number of 8 to 16 digits'), communeCode: code.openapi({ example: 'KAY-001' }) }).strict(),
]);
const FileSchema = z
  .object({
    category: z.enum(GRIEVANCE_CATEGORIES),
    complainant: ComplainantSchema,
    cycleId: z.string().uuid().optional(),
    description: text().trim().max(4000).optional(),
  })
  .strict()
  .openapi('FileGrievance');

const answer = text().trim().min(1).max(4000);
const comment = text().trim().max(2000);
const ActionSchema = z
  .union([
    z.object({ kind: z.literal('acknowledge'), comment: comment.optional() }).strict(),
    z.object({ kind: z.literal('investigate'), comment: comment.optional() }).strict(),
    z.object({ kind: z.literal('wait-on-complainant'), comment: comment.min(1) }).strict(),
    z.object({ kind: z.literal('resume'), comment: comment.optional() }).strict(),
    z.object({ kind: z.literal('resolve'), answer }).strict(),
    z.object({ kind: z.literal('reject'), answer }).strict(),
    z.object({ kind: z.literal('close'), comment: comment.optional() }).strict(),
    z.object({ kind: z.literal('reopen'), comment: comment.min(1) }).strict(),
  ])
  .openapi('GrievanceAction');

const CaseSchema = z
  .object({
    reference: z.string(),
    cycleId: z.string().nullable(),
    category: z.enum(GRIEVANCE_CATEGORIES),
    sensitive: z.boolean(),
    complainant: z.object({ kind: z.enum(['household', 'person']), rsuId: z.string().nullable(), phone: z.string().nullable() }),
    region: z.string(),
    commune: z.string(),
    channel: z.enum(GRIEVANCE_CHANNELS),
    description: z.string(),
    status: z.enum(GRIEVANCE_STATUSES),
    level: z.enum(ESCALATION_LEVELS),
    deadlineAt: z.string().nullable(),
    waitingOnComplainant: z.boolean(),
    late: z.boolean(),
    answer: z.string().nullable(),
    linkedTo: z.string().nullable(),
    filedBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('GrievanceCase');
const TimelineSchema = z.object({ version: z.number().int(), kind: z.string(), actor: z.string(), comment: z.string().nullable(), at: z.string() });
const DetailSchema = z.object({ case: CaseSchema, timeline: z.array(TimelineSchema), duplicates: z.array(z.string()) }).openapi('GrievanceCaseDetail');

const RefParam = z.object({ reference: z.string().openapi({ param: { name: 'reference', in: 'path' }, example: 'PL-2021-000123' }) });
const ListQuery = z
  .object({
    category: z.enum(GRIEVANCE_CATEGORIES).optional(),
    status: z.enum(GRIEVANCE_STATUSES).optional(),
    region: code.optional(),
    late: z.enum(['true', 'false']).optional(),
    cycleId: z.string().uuid().optional(),
  })
  .strict();

const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such case, household, commune or cycle in your area'),
  409: json(ErrorSchema, 'Refused by a rule of the case (status, waiting on the complainant, reopening period over…)'),
};
const tags = ['grievances'];

const fileCase = guardedRoute('grievance.file', {
  method: 'post',
  path: '/cases',
  tags,
  summary: 'File a complaint (an officer at the console, or a hotline with its service token); a second one about an open case is linked to it',
  request: body(FileSchema),
  responses: {
    201: json(z.object({ case: CaseSchema }), 'The new case, received, its deadline running'),
    200: json(z.object({ case: CaseSchema, linkedTo: z.string() }), 'A duplicate of an open case: recorded and linked to it'),
    400: errors[400],
    404: errors[404],
  },
});
const listCases = guardedRoute('grievance.read', {
  method: 'get',
  path: '/cases',
  tags,
  summary: 'Cases in your area (misconduct and fraud only for roles that see them), duplicates left out',
  request: { query: ListQuery },
  responses: { 200: json(z.object({ cases: z.array(CaseSchema) }), 'Cases, oldest first'), 400: errors[400] },
});
const getCase = guardedRoute('grievance.read', {
  method: 'get',
  path: '/cases/{reference}',
  tags,
  summary: 'One case with its timeline and the duplicates linked to it',
  request: { params: RefParam },
  responses: { 200: json(DetailSchema, 'The case'), 404: errors[404] },
});
const actOnCase = guardedRoute('grievance.act', {
  method: 'post',
  path: '/cases/{reference}/actions',
  tags,
  summary: 'Acknowledge, investigate, wait on the complainant, resume, resolve, reject, close or reopen',
  request: { params: RefParam, ...body(ActionSchema) },
  responses: { 200: json(DetailSchema, 'The case after the action'), 400: errors[400], 404: errors[404], 409: errors[409] },
});

type CaseRow = typeof grievanceCases.$inferSelect;
const iso = (d: Date | null) => d?.toISOString() ?? null;

function summary(r: CaseRow, nowMs = Date.now()) {
  const open = (OPEN_STATUSES as readonly string[]).includes(r.status);
  return {
    reference: r.reference,
    cycleId: r.cycleId,
    category: r.category,
    sensitive: SENSITIVE_CATEGORIES.includes(r.category),
    // Personal data stays masked in lists and case pages; the complainant's RSU id is how officers find the household.
    complainant: { kind: r.householdRsuId ? ('household' as const) : ('person' as const), rsuId: r.householdRsuId, phone: maskIdentifier(r.complainantPhone) },
    region: r.region,
    commune: r.commune,
    channel: r.channel,
    description: r.description,
    status: r.status,
    level: r.level,
    deadlineAt: iso(r.deadlineAt),
    waitingOnComplainant: r.pausedRemainingMs !== null,
    late: open && (r.level !== 'commune' || r.lateAt !== null || (r.deadlineAt !== null && r.deadlineAt.getTime() <= nowMs)),
    answer: r.answer,
    linkedTo: r.linkedTo,
    filedBy: r.filedBy,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export interface GrievanceRouteDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
  /** Deadlines per category and the reopening period; tests pass seconds. */
  grievanceSettings?: GrievanceSettings;
}

export function grievanceRoutes({ database, temporal, taskQueue, grievanceSettings }: GrievanceRouteDeps) {
  const { db } = database;
  const settings = grievanceSettings ?? DEFAULT_GRIEVANCE_SETTINGS;
  const handle = (reference: string) => temporal.workflow.getHandle(grievanceWorkflowId(reference));

  const refusalError = (why: GrievanceRefusal, reference?: string) =>
    why.rule === 'not-permitted'
      ? new ApiError(403, 'forbidden', why.message, { rule: why.rule, reference })
      : new ApiError(409, 'rule_violated', why.message, { rule: why.rule, reference });

  /** What this reader may see: their area, and misconduct or fraud only with the role for it. */
  function readScope(principal: Principal): SQL | undefined {
    const area = principal.area;
    const place = area.level === 'national' ? undefined : area.level === 'region' ? eq(grievanceCases.region, area.region) : and(eq(grievanceCases.region, area.region), eq(grievanceCases.commune, area.commune));
    const sensitive = authorize(principal, 'grievance.read-sensitive').allowed ? undefined : notInArray(grievanceCases.category, [...SENSITIVE_CATEGORIES]);
    return and(place, sensitive);
  }

  /** A case outside the reader's scope answers like an unknown one. */
  async function requireCase(reference: string, principal: Principal) {
    const [row] = await db.select().from(grievanceCases).where(and(eq(grievanceCases.reference, reference.trim().toUpperCase()), readScope(principal)));
    if (!row) throw new ApiError(404, 'not_found', `No grievance "${reference}" in your area.`);
    return row;
  }

  async function detail(reference: string, principal: Principal) {
    const row = await requireCase(reference, principal);
    const [timeline, duplicates] = await Promise.all([
      db.select().from(grievanceTimeline).where(eq(grievanceTimeline.reference, row.reference)).orderBy(asc(grievanceTimeline.version)),
      db.select({ reference: grievanceCases.reference }).from(grievanceCases).where(eq(grievanceCases.linkedTo, row.reference)).orderBy(asc(grievanceCases.createdAt)),
    ]);
    return {
      case: summary(row),
      timeline: timeline.map((t) => ({ version: t.version, kind: t.kind, actor: t.actor, comment: t.comment, at: t.at.toISOString() })),
      duplicates: duplicates.map((d) => d.reference),
    };
  }

  /** Where the complaint comes from: the household's commune, or the one a non-registered person names. */
  async function placeOf(complainant: z.infer<typeof ComplainantSchema>): Promise<{ commune: CommuneArea; complainant: Complainant; phone: string | null; name: string | null }> {
    if (complainant.kind === 'household') {
      const [h] = await db
        .select({ rsuId: households.rsuId, commune: households.communeCode, region: communes.regionCode })
        .from(households)
        .innerJoin(communes, eq(communes.code, households.communeCode))
        .where(eq(households.rsuId, complainant.rsuId));
      if (!h) throw new ApiError(404, 'not_found', `No household "${complainant.rsuId}" in the register.`, { rule: 'complainant-invalid' });
      return { commune: { level: 'commune', region: h.region, commune: h.commune }, complainant: { kind: 'household', rsuId: h.rsuId }, phone: null, name: null };
    }
    const [c] = await db.select({ code: communes.code, region: communes.regionCode }).from(communes).where(eq(communes.code, complainant.communeCode));
    if (!c) throw new ApiError(400, 'validation_failed', `No commune "${complainant.communeCode}" in the geography.`, { rule: 'commune-invalid' });
    return { commune: { level: 'commune', region: c.region, commune: c.code }, complainant: { kind: 'person', name: complainant.name, phone: complainant.phone }, phone: complainant.phone, name: complainant.name };
  }

  /** Checked here with the workflow's own state and rules, then again by the Update's validator. */
  async function act(by: ActorContext, reference: string, action: GrievanceAction) {
    const row = await requireCase(reference, by.principal);
    const live = await handle(row.reference)
      .query(grievanceCaseQuery)
      .catch(() => null);
    if (!live || live.final) throw new ApiError(409, 'rule_violated', 'This case is closed for good: the period to contest it is over.', { rule: 'reopen-period-over', reference: row.reference });
    const why = whyCannotAct(live, action, by.principal, settings, Date.now());
    if (why) throw refusalError(why, row.reference);
    const update = GRIEVANCE_UPDATES[action.kind] as typeof GRIEVANCE_UPDATES.acknowledge;
    await handle(row.reference).executeUpdate(update, { args: [{ action: action as Extract<GrievanceAction, { kind: 'acknowledge' }>, actor: by.principal.username, by }] });
    return detail(row.reference, by.principal);
  }

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(fileCase, async (c) => {
      const input = c.req.valid('json');
      const principal = principalIn(c);
      const place = await placeOf(input.complainant);
      const invalid = whyCannotFile({ category: input.category, complainant: place.complainant, commune: place.commune });
      if (invalid) throw new ApiError(400, 'validation_failed', invalid.message, { rule: invalid.rule });
      const denied = whyCannotFileAs(principal, place.commune);
      if (denied) throw refusalError(denied);
      if (input.cycleId && !(await db.select({ id: cycles.id }).from(cycles).where(eq(cycles.id, input.cycleId))).length) {
        throw new ApiError(404, 'not_found', `No cycle with id "${input.cycleId}".`);
      }
      const by = actorContext(c, principal);
      const channel = principal.kind === 'service' ? 'api' : 'console';
      const key = duplicateKey(input.category, place.complainant);
      const nowMs = Date.now();
      const deadlineAt = new Date(nowMs + settings.deadlineSeconds[input.category] * 1000);

      const filed = await db.transaction(async (tx) => {
        // Two filings of one household's complaint at once would both miss each other without this lock.
        if (key) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`grievance:${key}`}))`);
        const [open] = key
          ? await tx
              .select({ reference: grievanceCases.reference })
              .from(grievanceCases)
              .where(and(eq(grievanceCases.householdRsuId, place.complainant.kind === 'household' ? place.complainant.rsuId : ''), eq(grievanceCases.category, input.category), inArray(grievanceCases.status, [...OPEN_STATUSES]), isNull(grievanceCases.linkedTo)))
              .orderBy(asc(grievanceCases.createdAt))
              .limit(1)
          : [];
        const [next] = await tx.execute<{ n: string }>(sql`select nextval(${grievanceReferenceSequence.seqName}) as n`);
        const reference = grievanceReference(new Date().getUTCFullYear(), Number(next!.n));
        const [row] = await tx
          .insert(grievanceCases)
          .values({
            reference,
            cycleId: input.cycleId ?? null,
            category: input.category,
            householdRsuId: place.complainant.kind === 'household' ? place.complainant.rsuId : null,
            complainantName: place.name,
            complainantPhone: place.phone,
            region: place.commune.region,
            commune: place.commune.commune,
            channel,
            description: input.description ?? '',
            filedBy: principal.username,
            deadlineAt,
            // A duplicate is kept for the record and answered by the open case it points to: no second workflow.
            ...(open ? { linkedTo: open.reference, status: 'closed' as const, answer: `Même réclamation que ${open.reference}, en cours de traitement.`, deadlineAt: null, closedAt: new Date() } : {}),
          })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'grievance.file', targetType: 'grievance-case', targetId: reference, after: { category: input.category, channel, commune: place.commune.commune, linkedTo: open?.reference ?? null } }));
        return { row: row!, linkedTo: open?.reference ?? null };
      });

      if (filed.linkedTo) {
        const [original] = await db.select().from(grievanceCases).where(eq(grievanceCases.reference, filed.linkedTo));
        return c.json({ case: summary(original!), linkedTo: filed.linkedTo }, 200);
      }
      const state = openGrievance({ reference: filed.row.reference, category: input.category, commune: place.commune }, settings, nowMs);
      try {
        await temporal.workflow.start<typeof grievanceCaseWorkflow>(WORKFLOW_TYPES.grievanceCase, {
          workflowId: grievanceWorkflowId(filed.row.reference),
          taskQueue,
          args: [{ state, settings, filedBy: principal.username, by }],
        });
      } catch (err) {
        await db.delete(grievanceCases).where(eq(grievanceCases.reference, filed.row.reference));
        throw err;
      }
      return c.json({ case: summary(filed.row) }, 201);
    })
    .openapi(listCases, async (c) => {
      const q = c.req.valid('query');
      const principal = principalIn(c);
      // The same rule as summary().late, in SQL; coalesce so "not late" keeps cases without a deadline.
      const lateNow = sql`coalesce(${inArray(grievanceCases.status, [...OPEN_STATUSES])} and (${grievanceCases.level} <> 'commune' or ${grievanceCases.lateAt} is not null or ${grievanceCases.deadlineAt} <= now()), false)`;
      const rows = await db
        .select()
        .from(grievanceCases)
        .where(
          and(
            readScope(principal),
            isNull(grievanceCases.linkedTo),
            q.category ? eq(grievanceCases.category, q.category) : undefined,
            q.status ? eq(grievanceCases.status, q.status) : undefined,
            q.region ? eq(grievanceCases.region, q.region) : undefined,
            q.cycleId && isUuid(q.cycleId) ? eq(grievanceCases.cycleId, q.cycleId) : undefined,
            q.late === 'true' ? lateNow : q.late === 'false' ? sql`not (${lateNow})` : undefined,
          ),
        )
        .orderBy(asc(grievanceCases.createdAt))
        .limit(1000);
      return c.json({ cases: rows.map((r) => summary(r)) }, 200);
    })
    .openapi(getCase, async (c) => c.json(await detail(c.req.valid('param').reference, principalIn(c)), 200))
    .openapi(actOnCase, async (c) => c.json(await act(actorContext(c, principalIn(c)), c.req.valid('param').reference, c.req.valid('json') as GrievanceAction), 200));
}
