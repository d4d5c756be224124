import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { parse as parseCsv } from 'csv-parse/sync';
import { and, asc, eq, inArray, isNotNull, isNull, notInArray, sql, type SQL } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { auditLog, communes, cycles, grievanceCases, grievancePayments, grievanceReferenceSequence, grievanceTimeline, households, payments } from '../../db/schema';
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
  MAX_CORRECTIVE_FCFA,
  reExaminationText,
  type ReExamination,
} from '../../domain/grievances';
import { normalizePhone } from '../../domain/phone';
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
const HouseholdKeySchema = z
  .object({
    rsuId: code.optional().openapi({ example: 'RSU-KAY-000001' }),
    nina: z.string().trim().min(5).max(30).optional(),
    phone: z.string().trim().min(8).max(20).optional(),
  })
  .strict();
/** Exactly one of the RSU id, the NINA or the phone number finds the household. */
const oneKey = (k: { rsuId?: string; nina?: string; phone?: string }) => [k.rsuId, k.nina, k.phone].filter((v) => v !== undefined).length === 1;
const ComplainantSchema = z.union([
  z
    .object({ kind: z.literal('household'), ...HouseholdKeySchema.shape })
    .strict()
    .refine(oneKey, 'Find the household by exactly one of rsuId, nina or phone.'),
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
    z
      .object({
        kind: z.literal('correct-data'),
        changes: z.object({ phone: z.string().trim().min(8).max(20), headName: line().trim().min(2).max(200), nina: z.string().trim().min(5).max(30), village: line().trim().min(1).max(200) }).partial().strict(),
        comment: comment.optional(),
      })
      .strict(),
    z.object({ kind: z.literal('re-examine'), cycleId: z.string().uuid().optional() }).strict(),
    z.object({ kind: z.literal('refer-to-audit'), comment: comment.min(1) }).strict(),
    z.object({ kind: z.literal('propose-payment'), amountFcfa: z.number().int().positive().max(MAX_CORRECTIVE_FCFA), reason: comment.min(1) }).strict(),
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
    referredAt: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .openapi('GrievanceCase');
const TimelineSchema = z.object({ version: z.number().int(), kind: z.string(), actor: z.string(), comment: z.string().nullable(), at: z.string(), effect: z.record(z.string(), z.unknown()).nullable() });
const CorrectivePaymentSchema = z
  .object({
    amountFcfa: z.number().int(),
    reason: z.string(),
    proposedBy: z.string(),
    approvedBy: z.string().nullable(),
    tranche: z.number().int().nullable(),
    listId: z.string().nullable(),
    problem: z.string().nullable(),
    /** The ledger row's status once released: pending, submitted, confirmed, failed… */
    paymentStatus: z.string().nullable(),
  })
  .openapi('CorrectivePayment');
const HouseholdPaymentSchema = z.object({ cycleId: z.string(), tranche: z.number().int(), amountFcfa: z.number().int(), status: z.string(), phone: z.string().nullable(), agencyId: z.string(), updatedAt: z.string() });
const DetailSchema = z
  .object({
    case: CaseSchema,
    timeline: z.array(TimelineSchema),
    duplicates: z.array(z.string()),
    household: z.object({ rsuId: z.string(), headName: z.string(), village: z.string(), phone: z.string().nullable(), nina: z.string().nullable() }).nullable(),
    payments: z.array(HouseholdPaymentSchema),
    correctivePayment: CorrectivePaymentSchema.nullable(),
  })
  .openapi('GrievanceCaseDetail');

const RefParam = z.object({ reference: z.string().openapi({ param: { name: 'reference', in: 'path' }, example: 'PL-2021-000123' }) });
const ListQuery = z
  .object({
    category: z.enum(GRIEVANCE_CATEGORIES).optional(),
    status: z.enum(GRIEVANCE_STATUSES).optional(),
    region: code.optional(),
    late: z.enum(['true', 'false']).optional(),
    referred: z.enum(['true', 'false']).optional(),
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

const approvePayment = guardedRoute('payments.approve', {
  method: 'post',
  path: '/cases/{reference}/corrective-payment/approve',
  tags,
  summary: 'A payment operator (not the proposer) approves a case’s corrective payment: it is released and sent once, as a tranche of its own',
  request: { params: RefParam, ...body(z.object({ comment: comment.optional() }).strict()) },
  responses: { 200: json(z.object({ correctivePayment: CorrectivePaymentSchema }), 'Released'), 400: errors[400], 404: errors[404], 409: errors[409] },
});
const pendingPayments = guardedRoute('payments.approve', {
  method: 'get',
  path: '/corrective-payments',
  tags,
  summary: 'Corrective payments proposed on cases of your area, waiting for a payment operator',
  responses: { 200: json(z.object({ proposals: z.array(z.object({ reference: z.string(), category: z.enum(GRIEVANCE_CATEGORIES), commune: z.string(), region: z.string(), rsuId: z.string(), amountFcfa: z.number().int(), reason: z.string(), proposedBy: z.string(), proposedAt: z.string() })) }), 'Proposals') },
});
const HouseholdMatchSchema = z.object({ rsuId: z.string(), headName: z.string(), region: z.string(), commune: z.string(), village: z.string(), phone: z.string().nullable(), nina: z.string().nullable() });
const lookupHousehold = guardedRoute('grievance.file', {
  method: 'get',
  path: '/households',
  tags,
  summary: 'Find a registered household by RSU id, NINA or phone (exact match; phones in any Malian spelling); NINA and phone masked',
  request: { query: HouseholdKeySchema },
  responses: { 200: json(z.object({ households: z.array(HouseholdMatchSchema) }), 'Matches in your area (at most 20)'), 400: errors[400] },
});
const importCases = guardedRoute('grievance.file', {
  method: 'post',
  path: '/imports',
  tags,
  summary: 'File the complaints of a paper register (CSV: category, rsu_id | nina | phone, name, commune, cycle_id, description); each row filed like one from the console',
  request: { body: { content: { 'text/csv': { schema: z.string() } }, required: true } },
  responses: {
    200: json(
      z.object({ rows: z.number().int(), filed: z.number().int(), duplicates: z.number().int(), errors: z.array(z.object({ row: z.number().int(), message: z.string() })), references: z.array(z.string()) }),
      'What was filed and which rows were refused, with why',
    ),
    400: errors[400],
  },
});
const figures = guardedRoute('grievance.read', {
  method: 'get',
  path: '/figures',
  tags,
  summary: 'Cases by category and region, median time to resolve, share decided within the deadline, per cycle (your area)',
  request: { query: z.object({ cycleId: z.string().uuid().optional() }).strict() },
  responses: {
    200: json(
      z.object({
        total: z.number().int(),
        byCategory: z.array(z.object({ category: z.string(), cases: z.number().int(), open: z.number().int() })),
        byRegion: z.array(z.object({ region: z.string(), cases: z.number().int(), open: z.number().int(), late: z.number().int() })),
        byCycle: z.array(z.object({ cycleId: z.string().nullable(), cases: z.number().int(), decided: z.number().int(), medianHoursToDecide: z.number().nullable(), withinDeadlineShare: z.number().nullable() })),
        decided: z.number().int(),
        medianHoursToDecide: z.number().nullable(),
        withinDeadlineShare: z.number().nullable(),
      }),
      'Figures',
    ),
    400: errors[400],
  },
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
    referredAt: iso(r.referredAt),
    decidedAt: iso(r.decidedAt),
  };
}

export interface GrievanceRouteDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
  /** Deadlines per category and the reopening period; tests pass seconds. */
  grievanceSettings?: GrievanceSettings;
  /** The targeting page's explanation of a household, which an exclusion's re-examination reuses. */
  explainHousehold?: (cycleId: string, rsuId: string, principal: Principal) => Promise<TargetingExplanation>;
}

/** What of the targeting explanation a re-examination reads. */
export interface TargetingExplanation {
  result: { outcome: string } | null;
  assessment: { eligible: boolean; meetsCriteria: boolean; passesThreshold: boolean; criteriaMet: string[]; welfareScore: number } | null;
  frozen: boolean;
}

type FileInput = z.infer<typeof FileSchema>;
const MAX_IMPORT_ROWS = 5_000;
const IMPORT_COLUMNS = ['category', 'rsu_id', 'nina', 'phone', 'name', 'commune', 'cycle_id', 'description'] as const;

export function grievanceRoutes({ database, temporal, taskQueue, grievanceSettings, explainHousehold }: GrievanceRouteDeps) {
  const { db } = database;
  const settings = grievanceSettings ?? DEFAULT_GRIEVANCE_SETTINGS;
  const handle = (reference: string) => temporal.workflow.getHandle(grievanceWorkflowId(reference));

  const refusalError = (why: GrievanceRefusal, reference?: string) =>
    why.rule === 'not-permitted'
      ? new ApiError(403, 'forbidden', why.message, { rule: why.rule, reference })
      : new ApiError(409, 'rule_violated', why.message, { rule: why.rule, reference });

  const areaScope = (area: Principal['area']) =>
    area.level === 'national' ? undefined : area.level === 'region' ? eq(grievanceCases.region, area.region) : and(eq(grievanceCases.region, area.region), eq(grievanceCases.commune, area.commune));

  /** What this reader may see: their area, and misconduct or fraud only with the role for it. */
  function readScope(principal: Principal): SQL | undefined {
    const sensitive = authorize(principal, 'grievance.read-sensitive').allowed ? undefined : notInArray(grievanceCases.category, [...SENSITIVE_CATEGORIES]);
    return and(areaScope(principal.area), sensitive);
  }

  /** A case outside the reader's scope answers like an unknown one. */
  async function requireCase(reference: string, principal: Principal, scope: SQL | undefined = readScope(principal)) {
    const [row] = await db.select().from(grievanceCases).where(and(eq(grievanceCases.reference, reference.trim().toUpperCase()), scope));
    if (!row) throw new ApiError(404, 'not_found', `No grievance "${reference}" in your area.`);
    return row;
  }

  async function correctivePaymentOf(reference: string) {
    const [p] = await db
      .select({ proposal: grievancePayments, status: payments.status })
      .from(grievancePayments)
      .leftJoin(payments, eq(payments.id, grievancePayments.paymentId))
      .where(eq(grievancePayments.reference, reference));
    if (!p) return null;
    const { proposal } = p;
    return { amountFcfa: proposal.amountFcfa, reason: proposal.reason, proposedBy: proposal.proposedBy, approvedBy: proposal.approvedBy, tranche: proposal.tranche, listId: proposal.listId, problem: proposal.problem, paymentStatus: p.status ?? null };
  }

  async function detail(reference: string, principal: Principal) {
    const row = await requireCase(reference, principal);
    const [timeline, duplicates, household, householdPayments, correctivePayment] = await Promise.all([
      db.select().from(grievanceTimeline).where(eq(grievanceTimeline.reference, row.reference)).orderBy(asc(grievanceTimeline.version)),
      db.select({ reference: grievanceCases.reference }).from(grievanceCases).where(eq(grievanceCases.linkedTo, row.reference)).orderBy(asc(grievanceCases.createdAt)),
      row.householdRsuId ? db.select().from(households).where(eq(households.rsuId, row.householdRsuId)) : Promise.resolve([]),
      row.householdRsuId ? db.select().from(payments).where(eq(payments.rsuId, row.householdRsuId)).orderBy(asc(payments.cycleId), asc(payments.tranche)) : Promise.resolve([]),
      correctivePaymentOf(row.reference),
    ]);
    const h = household[0];
    return {
      case: summary(row),
      timeline: timeline.map((t) => ({ version: t.version, kind: t.kind, actor: t.actor, comment: t.comment, at: t.at.toISOString(), effect: ((t.data as { effect?: Record<string, unknown> } | null)?.effect ?? null) })),
      duplicates: duplicates.map((d) => d.reference),
      household: h ? { rsuId: h.rsuId, headName: h.headName, village: h.village, phone: maskIdentifier(h.phone), nina: maskIdentifier(h.nina) } : null,
      payments: householdPayments.map((p) => ({ cycleId: p.cycleId, tranche: p.tranche, amountFcfa: p.amountFcfa, status: p.status, phone: maskIdentifier(p.phone), agencyId: p.agencyId, updatedAt: p.updatedAt.toISOString() })),
      correctivePayment,
    };
  }

  /** Registered households by one exact key, in the caller's area; a phone in any spelling the register reads. */
  async function findHouseholds(key: { rsuId?: string; nina?: string; phone?: string }, area: Principal['area']) {
    let match: SQL;
    if (key.rsuId !== undefined) match = eq(households.rsuId, key.rsuId.trim());
    else if (key.nina !== undefined) match = eq(households.nina, key.nina.trim());
    else {
      const phone = normalizePhone(key.phone?.trim() ?? '');
      if (!phone) throw new ApiError(400, 'validation_failed', 'This phone number is not valid.', { field: 'phone' });
      match = eq(households.phone, phone);
    }
    const rows = await db
      .select({ h: households, region: communes.regionCode })
      .from(households)
      .innerJoin(communes, eq(communes.code, households.communeCode))
      .where(and(match, isNull(households.duplicateOf), area.level === 'national' ? undefined : eq(communes.regionCode, area.region), area.level === 'commune' ? eq(households.communeCode, area.commune) : undefined))
      .orderBy(asc(households.rsuId))
      .limit(20);
    return rows;
  }

  /** Where the complaint comes from: the household's commune, or the one a non-registered person names. */
  async function placeOf(complainant: z.infer<typeof ComplainantSchema>): Promise<{ commune: CommuneArea; complainant: Complainant; phone: string | null; name: string | null }> {
    if (complainant.kind === 'household') {
      // Found anywhere, so a complaint from outside the filer's area is refused as such (403), not as unknown.
      const found = await findHouseholds(complainant, { level: 'national' });
      const which = complainant.rsuId ?? complainant.nina ?? complainant.phone;
      if (found.length === 0) throw new ApiError(404, 'not_found', `No household "${which}" in the register of your area.`, { rule: 'complainant-invalid' });
      if (found.length > 1) throw new ApiError(409, 'rule_violated', `${found.length} households share "${which}": name the household by its RSU id.`, { rule: 'complainant-ambiguous' });
      const { h, region } = found[0]!;
      return { commune: { level: 'commune', region, commune: h.communeCode }, complainant: { kind: 'household', rsuId: h.rsuId }, phone: null, name: null };
    }
    const [c] = await db.select({ code: communes.code, region: communes.regionCode }).from(communes).where(eq(communes.code, complainant.communeCode));
    if (!c) throw new ApiError(400, 'validation_failed', `No commune "${complainant.communeCode}" in the geography.`, { rule: 'commune-invalid' });
    return { commune: { level: 'commune', region: c.region, commune: c.code }, complainant: { kind: 'person', name: complainant.name, phone: complainant.phone }, phone: complainant.phone, name: complainant.name };
  }

  /** The one filing path: the console, a hotline's token and each row of a paper register go through it. */
  async function fileGrievance(principal: Principal, by: ActorContext, input: FileInput, channel: 'console' | 'api' | 'csv') {
    const place = await placeOf(input.complainant);
    const invalid = whyCannotFile({ category: input.category, complainant: place.complainant, commune: place.commune });
    if (invalid) throw new ApiError(400, 'validation_failed', invalid.message, { rule: invalid.rule });
    const denied = whyCannotFileAs(principal, place.commune);
    if (denied) throw refusalError(denied);
    if (input.cycleId && !(await db.select({ id: cycles.id }).from(cycles).where(eq(cycles.id, input.cycleId))).length) {
      throw new ApiError(404, 'not_found', `No cycle with id "${input.cycleId}".`);
    }
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
      return { row: original!, linkedTo: filed.linkedTo, reference: filed.row.reference };
    }
    const state = openGrievance(
      { reference: filed.row.reference, category: input.category, commune: place.commune, rsuId: place.complainant.kind === 'household' ? place.complainant.rsuId : null, cycleId: input.cycleId ?? null },
      settings,
      nowMs,
    );
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
    return { row: filed.row, linkedTo: null, reference: filed.row.reference };
  }

  /** Re-examination: the targeting page's own explanation of the household, turned into the case's finding. */
  async function reExamine(row: CaseRow, cycleId: string | undefined, principal: Principal): Promise<ReExamination> {
    const cycle = cycleId ?? row.cycleId;
    if (!row.householdRsuId) throw new ApiError(409, 'rule_violated', 'A person not in the register cannot be re-examined: register the household first.', { rule: 'household-required', reference: row.reference });
    if (!cycle) throw new ApiError(409, 'rule_violated', 'Name the cycle whose eligibility rules the household is re-examined against.', { rule: 'cycle-required', reference: row.reference });
    if (!explainHousehold) throw new ApiError(409, 'rule_violated', 'Re-examination is not available on this server.', { rule: 'cycle-required' });
    const explanation = await explainHousehold(cycle, row.householdRsuId, principal);
    if (!explanation.assessment) throw new ApiError(409, 'rule_violated', 'This cycle has no completed eligibility run to re-examine against.', { rule: 'cycle-required', reference: row.reference });
    const a = explanation.assessment;
    const finding = { cycleId: cycle, eligible: a.eligible, meetsCriteria: a.meetsCriteria, passesThreshold: a.passesThreshold, criteriaMet: a.criteriaMet, welfareScore: a.welfareScore, outcome: explanation.result?.outcome ?? null, onFrozenList: explanation.frozen };
    return { ...finding, explanation: reExaminationText(finding) };
  }

  /** Checked here with the workflow's own state and rules, then again by the Update's validator. */
  async function act(by: ActorContext, reference: string, input: z.infer<typeof ActionSchema> | Extract<GrievanceAction, { kind: 'approve-payment' }>, scope?: SQL) {
    const row = await requireCase(reference, by.principal, scope);
    let action: GrievanceAction;
    if (input.kind === 're-examine') action = { kind: 're-examine', finding: await reExamine(row, input.cycleId, by.principal) };
    else if (input.kind === 'correct-data' && input.changes.phone !== undefined) {
      const phone = normalizePhone(input.changes.phone);
      if (!phone) throw new ApiError(400, 'validation_failed', 'The new phone number is not valid.', { field: 'changes.phone' });
      action = { ...input, changes: { ...input.changes, phone } };
    } else action = input as GrievanceAction;
    const live = await handle(row.reference)
      .query(grievanceCaseQuery)
      .catch(() => null);
    if (!live || live.final) throw new ApiError(409, 'rule_violated', 'This case is closed for good: the period to contest it is over.', { rule: 'reopen-period-over', reference: row.reference });
    const why = whyCannotAct(live, action, by.principal, settings, Date.now());
    if (why) throw refusalError(why, row.reference);
    const update = GRIEVANCE_UPDATES[action.kind] as typeof GRIEVANCE_UPDATES.acknowledge;
    await handle(row.reference).executeUpdate(update, { args: [{ action: action as Extract<GrievanceAction, { kind: 'acknowledge' }>, actor: by.principal.username, by }] });
    return row;
  }

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(fileCase, async (c) => {
      const principal = principalIn(c);
      const filed = await fileGrievance(principal, actorContext(c, principal), c.req.valid('json'), principal.kind === 'service' ? 'api' : 'console');
      if (filed.linkedTo) return c.json({ case: summary(filed.row), linkedTo: filed.linkedTo }, 200);
      return c.json({ case: summary(filed.row) }, 201);
    })
    .openapi(lookupHousehold, async (c) => {
      const key = c.req.valid('query');
      if (!oneKey(key)) throw new ApiError(400, 'validation_failed', 'Search by exactly one of rsuId, nina or phone.');
      const rows = await findHouseholds(key, principalIn(c).area);
      return c.json({ households: rows.map(({ h, region }) => ({ rsuId: h.rsuId, headName: h.headName, region, commune: h.communeCode, village: h.village, phone: maskIdentifier(h.phone), nina: maskIdentifier(h.nina) })) }, 200);
    })
    .openapi(importCases, async (c) => {
      const principal = principalIn(c);
      const by = actorContext(c, principal);
      let records: Record<string, string>[];
      try {
        records = parseCsv(await c.req.text(), { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, trim: true, bom: true, max_record_size: 8_192 }) as Record<string, string>[];
      } catch (err) {
        throw new ApiError(400, 'validation_failed', `The file is not a readable CSV: ${(err as Error).message}`);
      }
      const columns = Object.keys(records[0] ?? {});
      if (records.length === 0) throw new ApiError(400, 'validation_failed', 'The file has no complaint rows.');
      if (!columns.includes('category')) throw new ApiError(400, 'validation_failed', `The header must name a "category" column (columns: ${IMPORT_COLUMNS.join(', ')}).`);
      const unknown = columns.filter((col) => !(IMPORT_COLUMNS as readonly string[]).includes(col));
      if (unknown.length) throw new ApiError(400, 'validation_failed', `Unknown column(s): ${unknown.join(', ')}. Expected: ${IMPORT_COLUMNS.join(', ')}.`);
      if (records.length > MAX_IMPORT_ROWS) throw new ApiError(400, 'validation_failed', `At most ${MAX_IMPORT_ROWS} rows a file.`);
      const result = { rows: records.length, filed: 0, duplicates: 0, errors: [] as Array<{ row: number; message: string }>, references: [] as string[] };
      for (const [i, r] of records.entries()) {
        const rowNumber = i + 2;
        const blank = (v: string | undefined) => (v ? v : undefined);
        const complainant = blank(r.rsu_id) || blank(r.nina) || (blank(r.phone) && !blank(r.name))
          ? { kind: 'household' as const, ...(blank(r.rsu_id) ? { rsuId: r.rsu_id } : blank(r.nina) ? { nina: r.nina } : { phone: r.phone }) }
          : { kind: 'person' as const, name: r.name ?? '', phone: r.phone ?? '', communeCode: r.commune ?? '' };
        const parsed = FileSchema.safeParse({ category: r.category, complainant, ...(blank(r.cycle_id) ? { cycleId: r.cycle_id } : {}), ...(blank(r.description) ? { description: r.description } : {}) });
        if (!parsed.success) {
          result.errors.push({ row: rowNumber, message: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'row'}: ${issue.message}`).join('; ') });
          continue;
        }
        try {
          const filed = await fileGrievance(principal, by, parsed.data, 'csv');
          result.references.push(filed.reference);
          if (filed.linkedTo) result.duplicates += 1;
          else result.filed += 1;
        } catch (err) {
          if (!(err instanceof ApiError) || err.status >= 500) throw err;
          result.errors.push({ row: rowNumber, message: err.message });
        }
      }
      return c.json(result, 200);
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
            q.referred === 'true' ? isNotNull(grievanceCases.referredAt) : q.referred === 'false' ? isNull(grievanceCases.referredAt) : undefined,
          ),
        )
        .orderBy(asc(grievanceCases.createdAt))
        .limit(1000);
      return c.json({ cases: rows.map((r) => summary(r)) }, 200);
    })
    .openapi(figures, async (c) => {
      const { cycleId } = c.req.valid('query');
      const scope = and(readScope(principalIn(c)), isNull(grievanceCases.linkedTo), cycleId ? eq(grievanceCases.cycleId, cycleId) : undefined);
      const open = sql<number>`count(*) filter (where ${inArray(grievanceCases.status, [...OPEN_STATUSES])})::int`;
      const hours = sql`extract(epoch from (${grievanceCases.decidedAt} - ${grievanceCases.createdAt})) / 3600`;
      // Within the deadline: decided before the first deadline passed, so never escalated.
      const decidedStats = {
        decided: sql<number>`count(${grievanceCases.decidedAt})::int`,
        median: sql<number | null>`(percentile_cont(0.5) within group (order by ${hours}) filter (where ${grievanceCases.decidedAt} is not null))::float8`,
        within: sql<number | null>`(count(*) filter (where ${grievanceCases.decidedAt} is not null and ${grievanceCases.level} = 'commune' and ${grievanceCases.lateAt} is null))::float8 / nullif(count(${grievanceCases.decidedAt}), 0)`,
      };
      const [byCategory, byRegion, byCycle, [all]] = await Promise.all([
        db.select({ category: grievanceCases.category, cases: sql<number>`count(*)::int`, open }).from(grievanceCases).where(scope).groupBy(grievanceCases.category).orderBy(grievanceCases.category),
        db
          .select({ region: grievanceCases.region, cases: sql<number>`count(*)::int`, open, late: sql<number>`count(*) filter (where ${inArray(grievanceCases.status, [...OPEN_STATUSES])} and (${grievanceCases.level} <> 'commune' or ${grievanceCases.lateAt} is not null))::int` })
          .from(grievanceCases)
          .where(scope)
          .groupBy(grievanceCases.region)
          .orderBy(grievanceCases.region),
        db.select({ cycleId: grievanceCases.cycleId, cases: sql<number>`count(*)::int`, ...decidedStats }).from(grievanceCases).where(scope).groupBy(grievanceCases.cycleId),
        db.select({ total: sql<number>`count(*)::int`, ...decidedStats }).from(grievanceCases).where(scope),
      ]);
      const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
      return c.json(
        {
          total: all!.total,
          byCategory,
          byRegion,
          byCycle: byCycle.map((r) => ({ cycleId: r.cycleId, cases: r.cases, decided: r.decided, medianHoursToDecide: round(r.median), withinDeadlineShare: round(r.within) })),
          decided: all!.decided,
          medianHoursToDecide: round(all!.median),
          withinDeadlineShare: round(all!.within),
        },
        200,
      );
    })
    .openapi(getCase, async (c) => c.json(await detail(c.req.valid('param').reference, principalIn(c)), 200))
    .openapi(actOnCase, async (c) => {
      const principal = principalIn(c);
      const row = await act(actorContext(c, principal), c.req.valid('param').reference, c.req.valid('json'));
      return c.json(await detail(row.reference, principal), 200);
    })
    .openapi(pendingPayments, async (c) => {
      const principal = principalIn(c);
      const rows = await db
        .select({ proposal: grievancePayments, region: grievanceCases.region, commune: grievanceCases.commune, category: grievanceCases.category })
        .from(grievancePayments)
        .innerJoin(grievanceCases, eq(grievanceCases.reference, grievancePayments.reference))
        .where(and(areaScope(principal.area), isNull(grievancePayments.approvedBy), inArray(grievanceCases.status, [...OPEN_STATUSES])))
        .orderBy(asc(grievancePayments.proposedAt))
        .limit(500);
      return c.json(
        {
          proposals: rows.map(({ proposal: p, region, commune, category }) => ({ reference: p.reference, category, region, commune, rsuId: p.rsuId, amountFcfa: p.amountFcfa, reason: p.reason, proposedBy: p.proposedBy, proposedAt: p.proposedAt.toISOString() })),
        },
        200,
      );
    })
    .openapi(approvePayment, async (c) => {
      const principal = principalIn(c);
      const { comment: note } = c.req.valid('json');
      // A payment operator works on non-payment and wrong-amount cases of their area, never sensitive ones.
      const scope = and(areaScope(principal.area), inArray(grievanceCases.category, ['non-payment', 'wrong-amount']));
      const row = await act(actorContext(c, principal), c.req.valid('param').reference, { kind: 'approve-payment', ...(note ? { comment: note } : {}) }, scope);
      const correctivePayment = await correctivePaymentOf(row.reference);
      if (!correctivePayment) throw new ApiError(404, 'not_found', 'No corrective payment on this case.');
      return c.json({ correctivePayment }, 200);
    });
}
