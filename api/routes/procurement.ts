import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { auditRow } from '../../db/audit';
import type { Database } from '../../db/client';
import { auditLog, communes, cycles, procurementActions, procurementCases, procurementSteps, procurementTemplates, regions } from '../../db/schema';
import { whyCycleIsClosed } from '../../domain/cycle';
import { isUuid, procurementWorkflowId } from '../../domain/ids';
import {
  availableActions,
  CASE_ACTION_KINDS,
  CASE_STATUSES,
  describeLot,
  disbursementGates,
  inboxFilters,
  lotsOverlap,
  openCase,
  PROCUREMENT_KINDS,
  STEP_KINDS,
  STEP_STATUSES,
  whyCannotAct,
  whyLotInvalid,
  whyNotPermitted,
  whyTemplateInvalid,
  type CaseAction,
  type LotArea,
  type ProcurementRefusal,
  type ProcurementTemplate,
} from '../../domain/procurement';
import type { ActorContext, Principal } from '../../domain/roles';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { procurementCaseWorkflow } from '../../workflows';
import { PROCUREMENT_UPDATES, procurementCaseQuery } from '../../workflows/messages';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, line, text } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';
import { requireCycleRow } from '../cycle-lookup';

const code = z.string().min(1).max(20);
const LotAreaSchema = z.union([
  z.object({ level: z.literal('region'), region: code }).strict(),
  z.object({ level: z.literal('commune'), region: code, commune: code }).strict(),
]);
const Label = z.object({ fr: line().trim().min(1).max(200), en: line().trim().min(1).max(200) }).strict();
const seconds = z.number().int().min(1).max(365 * 86_400);

const StepTemplateSchema = z
  .object({ key: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'Lower-case letters, digits and dashes'), kind: z.enum(STEP_KINDS), label: Label, deadlineSeconds: seconds, escalationSeconds: seconds })
  .strict()
  .openapi('ProcurementStepTemplate');
const TemplateSchema = z.object({ key: z.string(), version: z.number().int(), name: Label, steps: z.array(StepTemplateSchema) }).openapi('ProcurementTemplate');
const EditTemplateSchema = z.object({ name: Label, steps: z.array(StepTemplateSchema).min(1).max(30) }).strict().openapi('ProcurementTemplateEdit');

const CreateCaseSchema = z
  .object({
    cycleId: z.string().uuid(),
    kind: z.enum(PROCUREMENT_KINDS),
    title: line().trim().min(3).max(200).openapi({ example: 'Agence de paiement — lot Centre (Ségou, Mopti)' }),
    lot: z.array(LotAreaSchema).min(1).max(800),
    templateKey: z.string().min(1).max(40).openapi({ example: 'wb-rfp' }),
  })
  .strict()
  .openapi('CreateProcurementCase');

const comment = text().trim().max(2000);
const documents = z.array(line().trim().min(1).max(200)).max(20);
const SubmitSchema = z
  .object({
    kind: z.literal('submit'),
    comment: comment.optional(),
    documents: documents.optional(),
    data: z
      .object({
        bidDeadline: z.string().datetime({ offset: true }).optional(),
        bidders: z.array(line().trim().min(1).max(200)).min(1).max(100).optional(),
        contract: z
          .object({ agency: line().trim().min(1).max(200), amountFcfa: z.number().int('FCFA amounts are whole numbers').positive(), feesFcfa: z.number().int('FCFA amounts are whole numbers').min(0) })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
const NoObjectionSchema = z
  .object({ kind: z.literal('record-no-objection'), granted: z.boolean(), reference: line().trim().min(1).max(200), comment: comment.optional(), documents: documents.optional() })
  .strict();
const ReviewSchema = z.union([
  z.object({ kind: z.literal('approve'), comment: comment.optional(), documents: documents.optional() }).strict(),
  z.object({ kind: z.literal('reject'), comment: comment.min(1), documents: documents.optional() }).strict(),
  z.object({ kind: z.literal('return-for-rework'), toStep: z.string().min(1).max(40), comment: comment.min(1), documents: documents.optional() }).strict(),
]);
const ManageSchema = z.union([
  z.object({ kind: z.literal('cancel'), comment: comment.min(1) }).strict(),
  z.object({ kind: z.literal('restart-from'), toStep: z.string().min(1).max(40), comment: comment.min(1) }).strict(),
]);

const CaseSummarySchema = z
  .object({
    id: z.string(),
    cycleId: z.string(),
    kind: z.enum(PROCUREMENT_KINDS),
    title: z.string(),
    lot: z.array(LotAreaSchema),
    lotLabel: z.string(),
    templateKey: z.string(),
    templateVersion: z.number().int(),
    status: z.enum(CASE_STATUSES),
    currentStep: z.string(),
    currentIndex: z.number().int(),
    stepCount: z.number().int(),
    stepLabel: Label,
    stepStatus: z.enum(STEP_STATUSES),
    stepDeadlineAt: z.string().nullable(),
    late: z.boolean(),
    escalated: z.boolean(),
    waitingForMe: z.boolean(),
    waitingSecondSignature: z.boolean(),
    version: z.number().int(),
    updatedAt: z.string(),
  })
  .openapi('ProcurementCaseSummary');

const StepRowSchema = z.object({
  position: z.number().int(),
  key: z.string(),
  kind: z.enum(STEP_KINDS),
  label: Label,
  status: z.enum(STEP_STATUSES),
  openedAt: z.string().nullable(),
  deadlineAt: z.string().nullable(),
  lateAt: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  preparedBy: z.string().nullable(),
  completedAt: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});
const ActionRowSchema = z.object({
  version: z.number().int(),
  step: z.string(),
  kind: z.string(),
  actor: z.string(),
  comment: z.string().nullable(),
  documents: z.array(z.string()),
  data: z.record(z.string(), z.unknown()).nullable(),
  at: z.string(),
});
const CaseDetailSchema = z
  .object({ case: CaseSummarySchema, steps: z.array(StepRowSchema), actions: z.array(ActionRowSchema), allowed: z.array(z.enum(CASE_ACTION_KINDS)) })
  .openapi('ProcurementCase');

const GateSchema = z.object({ caseId: z.string(), title: z.string(), lot: z.array(LotAreaSchema), lotLabel: z.string(), open: z.boolean(), currentStep: z.string(), stepLabel: Label, late: z.boolean() });
const FiguresSchema = z.object({
  steps: z.array(z.object({ key: z.string(), label: Label, done: z.number().int(), averageSeconds: z.number().int().nullable(), maxSeconds: z.number().int().nullable(), late: z.number().int(), lateNow: z.number().int() })),
  cases: z.object({ running: z.number().int(), completed: z.number().int(), cancelled: z.number().int(), averageSecondsToComplete: z.number().int().nullable(), late: z.number().int() }),
});

const CaseParam = z.object({ caseId: z.string().openapi({ param: { name: 'caseId', in: 'path' } }) });
const CycleParam = z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) });
const KeyParam = z.object({ key: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'Lower-case letters, digits and dashes').openapi({ param: { name: 'key', in: 'path' }, example: 'wb-rfp' }) });
const ListQuery = z
  .object({
    cycleId: z.string().uuid().optional(),
    filter: z.enum(['all', 'mine', 'second-signature', 'late']).default('all'),
    status: z.enum(CASE_STATUSES).optional(),
  })
  .strict();
const FiguresQuery = z.object({ cycleId: z.string().uuid().optional() }).strict();

const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such case, cycle or template in your area'),
  409: json(ErrorSchema, 'Refused by a rule of the case (step not open, four eyes, case closed…)'),
};
const tags = ['procurement'];

const listTemplates = guardedRoute('procurement.read', {
  method: 'get',
  path: '/templates',
  tags,
  summary: 'The latest version of each chain of steps',
  responses: { 200: json(z.object({ templates: z.array(TemplateSchema) }), 'Templates') },
});
const editTemplate = guardedRoute('procurement.template.manage', {
  method: 'put',
  path: '/templates/{key}',
  tags,
  summary: 'Save a chain as a new version, or a new chain (running cases keep the version they started with)',
  request: { params: KeyParam, ...body(EditTemplateSchema) },
  responses: { 200: json(z.object({ template: TemplateSchema }), 'The new version'), 400: errors[400], 404: errors[404] },
});
const createCase = guardedRoute('procurement.prepare', {
  method: 'post',
  path: '/cases',
  tags,
  summary: 'Open a case recruiting a payment agency for a lot, or an NGO for a region',
  request: body(CreateCaseSchema),
  responses: { 201: json(z.object({ case: CaseSummarySchema }), 'The case'), 400: errors[400], 404: errors[404], 409: errors[409] },
});
const listCases = guardedRoute('procurement.read', {
  method: 'get',
  path: '/cases',
  tags,
  summary: 'Cases in your area: all, waiting for me, waiting for a second signature, late',
  request: { query: ListQuery },
  responses: { 200: json(z.object({ cases: z.array(CaseSummarySchema) }), 'Cases'), 400: errors[400] },
});
const getCase = guardedRoute('procurement.read', {
  method: 'get',
  path: '/cases/{caseId}',
  tags,
  summary: 'One case: its steps, who did what and when, the actions you may take',
  request: { params: CaseParam },
  responses: { 200: json(CaseDetailSchema, 'The case'), 404: errors[404] },
});
const actionRoute = <P extends string, S extends z.ZodType>(permission: 'procurement.prepare' | 'procurement.approve' | 'procurement.manage', path: P, schema: S, summary: string) =>
  guardedRoute(permission, {
    method: 'post',
    path: `/cases/{caseId}/${path}` as `/cases/{caseId}/${P}`,
    tags,
    summary,
    request: { params: CaseParam, ...body(schema) },
    responses: { 200: json(CaseDetailSchema, 'The case after the action'), 400: errors[400], 404: errors[404], 409: errors[409] },
  });
const prepare = actionRoute('procurement.prepare', 'prepare', z.union([SubmitSchema, NoObjectionSchema]).openapi('ProcurementPrepareAction'), "Submit the current step, or record the funder's answer");
const review = actionRoute('procurement.approve', 'review', ReviewSchema.openapi('ProcurementReviewAction'), 'Approve, reject or return the submitted step (not by whoever prepared it)');
const manage = actionRoute('procurement.manage', 'manage', ManageSchema.openapi('ProcurementManageAction'), 'Cancel the case or restart it from a step, with a reason');
const gates = guardedRoute('procurement.read', {
  method: 'get',
  path: '/cycles/{cycleId}/gates',
  tags,
  summary: "Each payment-agency lot of a cycle and whether disbursement may start in it (agency mobilised)",
  request: { params: CycleParam },
  responses: { 200: json(z.object({ gates: z.array(GateSchema), ngoCases: z.array(GateSchema) }), 'Gates'), 404: errors[404] },
});
const figures = guardedRoute('procurement.read', {
  method: 'get',
  path: '/figures',
  tags,
  summary: 'Time per step and per case, steps late',
  request: { query: FiguresQuery },
  responses: { 200: json(FiguresSchema, 'Figures'), 400: errors[400] },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export interface ProcurementRouteDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
}

export function procurementRoutes({ database, temporal, taskQueue }: ProcurementRouteDeps) {
  const { db } = database;
  const handle = (caseId: string) => temporal.workflow.getHandle(procurementWorkflowId(caseId));

  async function templates(where?: SQL): Promise<ProcurementTemplate[]> {
    const rows = await db.select().from(procurementTemplates).where(where).orderBy(asc(procurementTemplates.key), desc(procurementTemplates.version));
    return rows.map((r) => ({ key: r.key, version: r.version, name: { fr: r.nameFr, en: r.nameEn }, steps: r.steps }));
  }
  /** Sorted newest first within a key: the first of each key is its latest version. */
  const latest = (all: ProcurementTemplate[]) => all.filter((t, i) => all.findIndex((u) => u.key === t.key) === i);
  async function templateOf(key: string, version?: number) {
    const all = await templates(version ? and(eq(procurementTemplates.key, key), eq(procurementTemplates.version, version)) : eq(procurementTemplates.key, key));
    return all[0];
  }

  /** A case exists for the caller only inside their area: elsewhere the answer is the same as unknown. */
  const areaScope = (principal: Principal): SQL | undefined =>
    principal.area.level === 'national' ? undefined : sql`${principal.area.region} = any(${procurementCases.regions})`;

  async function requireCase(caseId: string, principal: Principal) {
    const [row] = isUuid(caseId) ? await db.select().from(procurementCases).where(and(eq(procurementCases.id, caseId), areaScope(principal))) : [];
    if (!row) throw new ApiError(404, 'not_found', `No procurement case "${caseId}" in your area.`);
    return row;
  }

  async function summaries(rows: Array<typeof procurementCases.$inferSelect>, principal: Principal) {
    const keys = [...new Set(rows.map((r) => `${r.templateKey}@${r.templateVersion}`))];
    const used = keys.length ? await templates(sql`(${procurementTemplates.key} || '@' || ${procurementTemplates.version}) in (${sql.join(keys.map((k) => sql`${k}`), sql`, `)})`) : [];
    const now = Date.now();
    return rows.map((r) => {
      const template = used.find((t) => t.key === r.templateKey && t.version === r.templateVersion);
      const step = template?.steps[r.currentIndex];
      const current = { status: r.stepStatus, kind: step?.kind ?? 'review', preparedBy: r.stepPreparedById, deadline: iso(r.stepDeadlineAt) };
      const inbox = inboxFilters(r.status, current, principal.id, now);
      // Only an officer who may act on the whole lot has steps waiting on them; everyone else reads the cases.
      const officer = whyNotPermitted(principal, 'procurement.prepare', r.lot) === null;
      return {
        id: r.id,
        cycleId: r.cycleId,
        kind: r.kind,
        title: r.title,
        lot: r.lot,
        lotLabel: describeLot(r.lot),
        templateKey: r.templateKey,
        templateVersion: r.templateVersion,
        status: r.status,
        currentStep: r.currentStep,
        currentIndex: r.currentIndex,
        stepCount: template?.steps.length ?? 0,
        stepLabel: step?.label ?? { fr: r.currentStep, en: r.currentStep },
        stepStatus: r.stepStatus,
        stepDeadlineAt: iso(r.stepDeadlineAt),
        late: r.late || inbox.late,
        escalated: r.escalated,
        waitingForMe: officer && inbox.mine,
        waitingSecondSignature: officer && inbox.secondSignature,
        version: r.version,
        updatedAt: r.updatedAt.toISOString(),
      };
    });
  }

  async function detail(caseId: string, principal: Principal) {
    const row = await requireCase(caseId, principal);
    const [summary] = await summaries([row], principal);
    const template = await templateOf(row.templateKey, row.templateVersion);
    const [steps, actions] = await Promise.all([
      db.select().from(procurementSteps).where(eq(procurementSteps.caseId, caseId)).orderBy(asc(procurementSteps.position)),
      db.select().from(procurementActions).where(eq(procurementActions.caseId, caseId)).orderBy(asc(procurementActions.version)),
    ]);
    // The live state decides the buttons; a closed case's workflow is gone, and it takes no action anyway.
    const allowed = row.status === 'running' ? await handle(caseId).query(procurementCaseQuery).then((s) => availableActions(s, principal, Date.now()), () => []) : [];
    return {
      case: summary!,
      steps: steps.map((s) => ({
        position: s.position,
        key: s.key,
        kind: template?.steps[s.position]?.kind ?? 'review',
        label: template?.steps[s.position]?.label ?? { fr: s.key, en: s.key },
        status: s.status,
        openedAt: iso(s.openedAt),
        deadlineAt: iso(s.deadlineAt),
        lateAt: iso(s.lateAt),
        escalatedAt: iso(s.escalatedAt),
        preparedBy: s.preparedBy,
        completedAt: iso(s.completedAt),
        data: s.data as Record<string, unknown>,
      })),
      actions: actions.map((a) => ({ version: a.version, step: a.step, kind: a.kind, actor: a.actor, comment: a.comment, documents: a.documents, data: a.data ?? null, at: a.at.toISOString() })),
      allowed,
    };
  }

  const refusalError = (why: ProcurementRefusal, caseId: string) =>
    why.rule === 'not-permitted' ? new ApiError(403, 'forbidden', why.message, { rule: why.rule, caseId }) : new ApiError(409, 'rule_violated', why.message, { rule: why.rule, caseId });

  /** Checked here with the workflow's own state and rules, then again by the Update's validator. */
  async function act(by: ActorContext, caseId: string, action: CaseAction) {
    const { principal } = by;
    const row = await requireCase(caseId, principal);
    if (row.status !== 'running') throw new ApiError(409, 'rule_violated', `This case is ${row.status}: it takes no more actions.`, { rule: 'case-closed', caseId });
    const live = await handle(caseId).query(procurementCaseQuery);
    const why = whyCannotAct(live, action, principal, Date.now());
    if (why) throw refusalError(why, caseId);
    const update = PROCUREMENT_UPDATES[action.kind] as typeof PROCUREMENT_UPDATES.submit;
    await handle(caseId).executeUpdate(update, { args: [{ action: action as Extract<CaseAction, { kind: 'submit' }>, actor: principal.username, by }] });
    return detail(caseId, principal);
  }

  /** Regions and communes must exist; the regions a lot touches scope who sees the case. */
  async function regionsOfLot(lot: LotArea[]): Promise<string[]> {
    const regionCodes = [...new Set(lot.map((a) => a.region))];
    const known = await db.select({ code: regions.code }).from(regions).where(inArray(regions.code, regionCodes));
    const missing = regionCodes.filter((r) => !known.some((k) => k.code === r));
    if (missing.length) throw new ApiError(400, 'validation_failed', `Unknown region(s): ${missing.join(', ')}.`, { field: 'lot' });
    const communeCodes = lot.flatMap((a) => (a.level === 'commune' ? [a.commune] : []));
    if (communeCodes.length) {
      const rows = await db.select({ code: communes.code, region: communes.regionCode }).from(communes).where(inArray(communes.code, communeCodes));
      const wrong = lot.filter((a) => a.level === 'commune' && !rows.some((r) => r.code === a.commune && r.region === a.region));
      if (wrong.length) throw new ApiError(400, 'validation_failed', `Unknown commune(s) in their region: ${describeLot(wrong)}.`, { field: 'lot' });
    }
    return regionCodes;
  }

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(listTemplates, async (c) => c.json({ templates: latest(await templates()) }, 200))
    .openapi(editTemplate, async (c) => {
      const { key } = c.req.valid('param');
      const input = c.req.valid('json');
      const previous = await templateOf(key);
      const invalid = whyTemplateInvalid(input.steps);
      if (invalid) throw new ApiError(400, 'validation_failed', invalid.message, { rule: invalid.rule });
      const by = actorContext(c, principalIn(c));
      const template: ProcurementTemplate = { key, version: (previous?.version ?? 0) + 1, name: input.name, steps: input.steps };
      await db.transaction(async (tx) => {
        await tx.insert(procurementTemplates).values({ key, version: template.version, nameFr: input.name.fr, nameEn: input.name.en, steps: input.steps, createdBy: by.principal.username });
        await tx.insert(auditLog).values(auditRow(by, { action: 'procurement.template.edit', targetType: 'procurement-template', targetId: `${key}@${template.version}`, before: previous ?? null, after: template }));
      });
      return c.json({ template }, 200);
    })
    .openapi(createCase, async (c) => {
      const input = c.req.valid('json');
      const principal = principalIn(c);
      const invalidLot = whyLotInvalid(input.kind, input.lot);
      if (invalidLot) throw new ApiError(400, 'validation_failed', invalidLot.message, { rule: invalidLot.rule, field: 'lot' });
      const lotRegions = await regionsOfLot(input.lot);
      const [cycle] = await db.select({ id: cycles.id, status: cycles.status }).from(cycles).where(eq(cycles.id, input.cycleId));
      if (!cycle) throw new ApiError(404, 'not_found', `No cycle with id "${input.cycleId}".`);
      const closed = whyCycleIsClosed(cycle.status);
      if (closed) throw new ApiError(409, 'rule_violated', closed.message, { rule: closed.rule });
      const template = await templateOf(input.templateKey);
      if (!template) throw new ApiError(404, 'not_found', `No procurement chain "${input.templateKey}".`);
      const caseId = crypto.randomUUID();
      const state = openCase({ caseId, cycleId: input.cycleId, kind: input.kind, lot: input.lot, templateKey: template.key, templateVersion: template.version }, template, Date.now());
      const denied = whyCannotAct(state, { kind: 'submit' }, principal, Date.now());
      if (denied?.rule === 'not-permitted') throw refusalError(denied, caseId);
      const by = actorContext(c, principal);

      await db.transaction(async (tx) => {
        // One payment agency per place and cycle: a lot may not overlap a case still running or done.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`procurement:${input.cycleId}`}))`);
        const others = await tx
          .select({ lot: procurementCases.lot, title: procurementCases.title })
          .from(procurementCases)
          .where(and(eq(procurementCases.cycleId, input.cycleId), eq(procurementCases.kind, input.kind), sql`${procurementCases.status} <> 'cancelled'`));
        const clash = others.find((o) => lotsOverlap(o.lot, input.lot));
        if (clash) throw new ApiError(409, 'rule_violated', `The lot overlaps the case "${clash.title}" of this cycle.`, { rule: 'lot-overlaps' });
        await tx.insert(procurementCases).values({
          id: caseId,
          cycleId: input.cycleId,
          kind: input.kind,
          title: input.title,
          lot: input.lot,
          regions: lotRegions,
          templateKey: template.key,
          templateVersion: template.version,
          currentStep: state.steps[0]!.key,
          stepStatus: 'open',
          stepDeadlineAt: new Date(state.steps[0]!.deadline!),
          createdBy: principal.username,
        });
        await tx.insert(auditLog).values(auditRow(by, { action: 'procurement.case.open', targetType: 'procurement-case', targetId: caseId, after: { ...input, templateVersion: template.version } }));
      });
      try {
        await temporal.workflow.start<typeof procurementCaseWorkflow>(WORKFLOW_TYPES.procurementCase, {
          workflowId: procurementWorkflowId(caseId),
          taskQueue,
          args: [{ state, template, openedBy: principal.username, by }],
        });
      } catch (err) {
        await db.delete(procurementCases).where(eq(procurementCases.id, caseId));
        throw err;
      }
      const [summary] = await summaries([await requireCase(caseId, principal)], principal);
      return c.json({ case: summary! }, 201);
    })
    .openapi(listCases, async (c) => {
      const { cycleId, filter, status } = c.req.valid('query');
      const principal = principalIn(c);
      const rows = await db
        .select()
        .from(procurementCases)
        .where(and(areaScope(principal), cycleId ? eq(procurementCases.cycleId, cycleId) : undefined, status ? eq(procurementCases.status, status) : undefined))
        .orderBy(asc(procurementCases.createdAt));
      const all = await summaries(rows, principal);
      const kept = all.filter((s) => (filter === 'mine' ? s.waitingForMe : filter === 'second-signature' ? s.waitingSecondSignature : filter === 'late' ? s.late : true));
      return c.json({ cases: kept }, 200);
    })
    .openapi(getCase, async (c) => c.json(await detail(c.req.valid('param').caseId, principalIn(c)), 200))
    .openapi(prepare, async (c) => c.json(await act(actorContext(c, principalIn(c)), c.req.valid('param').caseId, c.req.valid('json') as CaseAction), 200))
    .openapi(review, async (c) => c.json(await act(actorContext(c, principalIn(c)), c.req.valid('param').caseId, c.req.valid('json') as CaseAction), 200))
    .openapi(manage, async (c) => c.json(await act(actorContext(c, principalIn(c)), c.req.valid('param').caseId, c.req.valid('json') as CaseAction), 200))
    .openapi(gates, async (c) => {
      const { cycleId } = c.req.valid('param');
      await requireCycleRow(db, cycleId);
      const rows = await db.select().from(procurementCases).where(eq(procurementCases.cycleId, cycleId)).orderBy(asc(procurementCases.createdAt));
      const described = await summaries(rows, principalIn(c));
      const asGate = (r: (typeof rows)[number]) => ({ caseId: r.id, kind: r.kind, status: r.status, lot: r.lot, currentStep: r.currentStep });
      const titled = (g: { caseId: string; lot: LotArea[]; open: boolean; currentStep: string }) => {
        const s = described.find((d) => d.id === g.caseId)!;
        return { ...g, title: s.title, lotLabel: s.lotLabel, stepLabel: s.stepLabel, late: s.status === 'running' && s.late };
      };
      const ngo = rows.filter((r) => r.kind === 'ngo' && r.status !== 'cancelled').map((r) => titled({ caseId: r.id, lot: r.lot, open: r.status === 'completed', currentStep: r.currentStep }));
      return c.json({ gates: disbursementGates(rows.map(asGate)).map(titled), ngoCases: ngo }, 200);
    })
    .openapi(figures, async (c) => {
      const { cycleId } = c.req.valid('query');
      const principal = principalIn(c);
      const scope = and(areaScope(principal), cycleId ? eq(procurementCases.cycleId, cycleId) : undefined);
      const stepRows = await db
        .select({
          key: procurementSteps.key,
          position: sql<number>`min(${procurementSteps.position})::int`,
          done: sql<number>`count(*) filter (where ${procurementSteps.status} = 'done')::int`,
          averageSeconds: sql<number | null>`round(avg(extract(epoch from ${procurementSteps.completedAt} - ${procurementSteps.firstOpenedAt})) filter (where ${procurementSteps.status} = 'done'))::int`,
          maxSeconds: sql<number | null>`round(max(extract(epoch from ${procurementSteps.completedAt} - ${procurementSteps.firstOpenedAt})) filter (where ${procurementSteps.status} = 'done'))::int`,
          late: sql<number>`count(*) filter (where ${procurementSteps.wasLate})::int`,
          lateNow: sql<number>`count(*) filter (where ${procurementSteps.status} in ('open', 'submitted') and ${procurementSteps.deadlineAt} <= now() and ${procurementCases.status} = 'running')::int`,
        })
        .from(procurementSteps)
        .innerJoin(procurementCases, eq(procurementCases.id, procurementSteps.caseId))
        .where(scope)
        .groupBy(procurementSteps.key)
        .orderBy(sql`2`);
      const [cases] = await db
        .select({
          running: sql<number>`count(*) filter (where ${procurementCases.status} = 'running')::int`,
          completed: sql<number>`count(*) filter (where ${procurementCases.status} = 'completed')::int`,
          cancelled: sql<number>`count(*) filter (where ${procurementCases.status} = 'cancelled')::int`,
          averageSecondsToComplete: sql<number | null>`round(avg(extract(epoch from ${procurementCases.closedAt} - ${procurementCases.createdAt})) filter (where ${procurementCases.status} = 'completed'))::int`,
          late: sql<number>`count(*) filter (where ${procurementCases.status} = 'running' and (${procurementCases.late} or ${procurementCases.stepDeadlineAt} <= now()))::int`,
        })
        .from(procurementCases)
        .where(scope);
      // Templates sorted newest first: a step's label is its latest wording.
      const labels = new Map<string, { fr: string; en: string }>();
      for (const t of await templates()) for (const s of t.steps) if (!labels.has(s.key)) labels.set(s.key, s.label);
      const steps = stepRows.map(({ position: _position, ...s }) => ({ ...s, label: labels.get(s.key) ?? { fr: s.key, en: s.key } }));
      return c.json({ steps, cases: cases! }, 200);
    });
}
