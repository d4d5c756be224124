import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { and, asc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { beneficiaries, communeLists, communes, cyclePhases, households, listChanges, listEntries, regions, targetingResults, targetingRuns } from '../../db/schema';
import { ESCALATION_LEVELS, LIST_CHANGE_ACTIONS, LIST_STATUSES, whyCannotReviewChange, type ListChange } from '../../domain/beneficiary-list';
import { whyCycleIsClosed } from '../../domain/cycle';
import { phaseWorkflowId } from '../../domain/ids';
import { maskIdentifier } from '../../domain/personal-data';
import { authorize } from '../../domain/policy';
import { RSU_ID_PATTERN } from '../../domain/register';
import type { Area, Principal } from '../../domain/roles';
import { decideListUpdate, reviewListChangeUpdate, sendListsUpdate, targetingStateQuery } from '../../workflows/messages';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, isoDate, line, text } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';
import { requireCycleRow } from '../cycle-lookup';

const CycleParam = z.object({ cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' } }) });
const RegionParam = CycleParam.extend({ region: z.string().max(20).openapi({ param: { name: 'region', in: 'path' }, example: 'MOP' }) });
const CommuneParam = CycleParam.extend({ commune: z.string().max(20).openapi({ param: { name: 'commune', in: 'path' }, example: 'MOP-012' }) });

const MeetingsSchema = z
  .object({
    assemblyOn: isoDate,
    assemblyAttendees: z.number().int().min(1).max(100_000),
    committeeOn: isoDate,
    comment: text().trim().max(1000).optional(),
  })
  .strict()
  .refine((m) => m.committeeOn >= m.assemblyOn, { message: 'The commune committee meets after the village assembly', path: ['committeeOn'] })
  .openapi('CommunityMeetings');

const ChangeSchema = z
  .object({
    rsuId: z.string().regex(RSU_ID_PATTERN, 'Not an RSU id'),
    action: z.enum(LIST_CHANGE_ACTIONS),
    reason: line().trim().min(3).max(500),
  })
  .strict()
  .openapi('ListChange');

const DecisionSchema = z
  .object({
    decision: z.enum(['approve', 'return']),
    meetings: MeetingsSchema,
    changes: z.array(ChangeSchema).max(500).optional(),
  })
  .strict()
  .refine((d) => (d.decision === 'return' ? (d.changes?.length ?? 0) > 0 : !d.changes?.length), {
    message: 'A returned list names the households to add or remove; an approved list takes none',
    path: ['changes'],
  })
  .refine((d) => !d.changes || new Set(d.changes.map((c) => c.rsuId)).size === d.changes.length, { message: 'A household appears twice in the changes', path: ['changes'] })
  .openapi('ListDecision');

const ReviewSchema = z
  .object({ approve: z.boolean(), comment: text().trim().max(1000).optional() })
  .strict()
  .openapi('ListChangeReview');

const RegionSummarySchema = z.object({
  region: z.string(),
  name: z.string(),
  communes: z.number().int(),
  households: z.number().int(),
  byStatus: z.record(z.enum(LIST_STATUSES), z.number().int()),
  escalated: z.object({ region: z.number().int(), national: z.number().int() }),
  overdue: z.number().int(),
  frozenHouseholds: z.number().int(),
});

const CommuneListSchema = z
  .object({
    commune: z.string(),
    name: z.string(),
    region: z.string(),
    status: z.enum(LIST_STATUSES),
    escalation: z.enum(ESCALATION_LEVELS),
    deadlineAt: z.string().nullable(),
    round: z.number().int(),
    households: z.number().int(),
    assemblyOn: z.string().nullable(),
    assemblyAttendees: z.number().int().nullable(),
    committeeOn: z.string().nullable(),
    comment: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    proposedBy: z.string().nullable(),
    escalatedAt: z.string().nullable(),
    frozenHouseholds: z.number().int(),
  })
  .openapi('CommuneList');

const ListChangeRowSchema = z.object({
  round: z.number().int(),
  rsuId: z.string(),
  action: z.enum(LIST_CHANGE_ACTIONS),
  reason: z.string(),
  preparedBy: z.string(),
  preparedAt: z.string(),
  reviewedBy: z.string().nullable(),
  outcome: z.enum(['applied', 'rejected']).nullable(),
});

const EntrySchema = z.object({
  rsuId: z.string(),
  headName: z.string(),
  village: z.string(),
  householdSize: z.number().int(),
  phone: z.string().nullable(),
  addedInRound: z.number().int(),
  removedInRound: z.number().int().nullable(),
  reason: z.string().nullable(),
});

const EntriesQuery = z
  .object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(500).default(100) })
  .strict();

const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such cycle or list in your area'),
  409: json(ErrorSchema, 'Refused by a rule of the lists (already approved, four eyes, targeting not active…)'),
};

const summary = guardedRoute('list.read', {
  method: 'get',
  path: '/{cycleId}/lists',
  tags: ['beneficiary lists'],
  summary: 'Community validation per region: lists by status, escalations, frozen households',
  request: { params: CycleParam },
  responses: {
    200: json(z.object({ sent: z.boolean(), frozen: z.boolean(), regions: z.array(RegionSummarySchema) }), 'Per-region summary of your area'),
    404: errors[404],
  },
});
const regionLists = guardedRoute('list.read', {
  method: 'get',
  path: '/{cycleId}/lists/regions/{region}',
  tags: ['beneficiary lists'],
  summary: "A region's commune lists",
  request: { params: RegionParam },
  responses: { 200: json(z.object({ lists: z.array(CommuneListSchema) }), 'Commune lists'), 404: errors[404] },
});
const communeList = guardedRoute('list.read', {
  method: 'get',
  path: '/{cycleId}/lists/communes/{commune}',
  tags: ['beneficiary lists'],
  summary: "One commune's list: its households (masked), the changes asked and their review",
  request: { params: CommuneParam, query: EntriesQuery },
  responses: {
    200: json(z.object({ list: CommuneListSchema, entries: z.array(EntrySchema), total: z.number().int(), changes: z.array(ListChangeRowSchema) }), 'The list'),
    400: errors[400],
    404: errors[404],
  },
});
const sendLists = guardedRoute('list.send', {
  method: 'post',
  path: '/{cycleId}/lists/send',
  tags: ['beneficiary lists'],
  summary: "Send each commune's list, as targeting selected it, to its focal point",
  request: { params: CycleParam },
  responses: { 200: json(z.object({ communes: z.number().int() }), 'Lists sent'), 404: errors[404], 409: errors[409] },
});
const decide = guardedRoute('list.decide', {
  method: 'post',
  path: '/{cycleId}/lists/communes/{commune}/decision',
  tags: ['beneficiary lists'],
  summary: "Record the village assembly and commune committee, and approve the list or return it with changes",
  request: { params: CommuneParam, ...body(DecisionSchema) },
  responses: { 200: json(z.object({ list: CommuneListSchema }), 'The list after the decision'), 400: errors[400], 404: errors[404], 409: errors[409] },
});
const review = guardedRoute('list.change.review', {
  method: 'post',
  path: '/{cycleId}/lists/communes/{commune}/review',
  tags: ['beneficiary lists'],
  summary: 'Approve or reject the changes a returned list asks for (not by whoever prepared them)',
  request: { params: CommuneParam, ...body(ReviewSchema) },
  responses: { 200: json(z.object({ list: CommuneListSchema }), 'The list after the review'), 400: errors[400], 404: errors[404], 409: errors[409] },
});

const at = (d: Date | null) => d?.toISOString() ?? null;

export interface BeneficiaryListRouteDeps {
  database: Database;
  temporal: Client;
}

export function beneficiaryListRoutes({ database, temporal }: BeneficiaryListRouteDeps) {
  const { db } = database;
  const targeting = (cycleId: string) => temporal.workflow.getHandle(phaseWorkflowId(cycleId, 'targeting'));

  async function requireCycle(cycleId: string) {
    return requireCycleRow(db, cycleId);
  }

  /** Lists change only while the targeting phase runs in an open cycle. */
  async function requireTargetingActive(cycleId: string) {
    const cycle = await requireCycle(cycleId);
    const closed = whyCycleIsClosed(cycle.status);
    if (closed) throw new ApiError(409, 'rule_violated', closed.message, { rule: closed.rule });
    const [phase] = await db.select({ status: cyclePhases.status }).from(cyclePhases).where(and(eq(cyclePhases.cycleId, cycleId), eq(cyclePhases.phase, 'targeting')));
    if (phase?.status !== 'active') throw new ApiError(409, 'rule_violated', 'The targeting phase is not active.', { rule: 'phase-not-started', phase: 'targeting' });
  }

  /** A list exists for the caller only inside their area: elsewhere the answer is the same as unknown. */
  async function requireList(cycleId: string, commune: string, principal: Principal) {
    const [row] = await listRows(cycleId, eq(communeLists.communeCode, commune));
    if (!row || !authorize(principal, 'list.read', communeArea(row)).allowed) throw new ApiError(404, 'not_found', `No list for commune "${commune}" in your area.`);
    return row;
  }

  const communeArea = (row: { region: string; commune: string }): Area => ({ level: 'commune', region: row.region, commune: row.commune });

  async function listRows(cycleId: string, where: SQL | undefined) {
    const rows = await db
      .select({
        list: communeLists,
        name: communes.name,
        frozenHouseholds: sql<number>`(select count(*)::int from ${beneficiaries} b where b.cycle_id = ${communeLists.cycleId} and b.commune_code = ${communeLists.communeCode})`,
      })
      .from(communeLists)
      .innerJoin(communes, eq(communes.code, communeLists.communeCode))
      .where(and(eq(communeLists.cycleId, cycleId), where))
      .orderBy(asc(communeLists.communeCode));
    return rows.map(({ list: l, name, frozenHouseholds }) => ({
      commune: l.communeCode,
      name,
      region: l.regionCode,
      status: l.status,
      escalation: l.escalation,
      deadlineAt: at(l.deadlineAt),
      round: l.round,
      households: l.households,
      assemblyOn: l.assemblyOn,
      assemblyAttendees: l.assemblyAttendees,
      committeeOn: l.committeeOn,
      comment: l.comment,
      decidedBy: l.decidedBy,
      decidedAt: at(l.decidedAt),
      proposedBy: l.proposedBy,
      escalatedAt: at(l.escalatedAt),
      frozenHouseholds,
    }));
  }

  /** Households named in a return must be on the list (to remove) or in the commune's register and off it (to add). */
  async function whyChangesDoNotFit(cycleId: string, commune: string, changes: ListChange[]): Promise<string | null> {
    for (const change of changes) {
      const [entry] = await db
        .select({ removed: listEntries.removedInRound })
        .from(listEntries)
        .where(and(eq(listEntries.cycleId, cycleId), eq(listEntries.rsuId, change.rsuId), eq(listEntries.communeCode, commune)));
      const onList = entry !== undefined && entry.removed === null;
      if (change.action === 'remove' && !onList) return `Household ${change.rsuId} is not on the list of ${commune}.`;
      if (change.action === 'add') {
        if (onList) return `Household ${change.rsuId} is already on the list of ${commune}.`;
        const [household] = await db.select({ commune: households.communeCode, duplicateOf: households.duplicateOf }).from(households).where(eq(households.rsuId, change.rsuId));
        if (household?.commune !== commune) return `Household ${change.rsuId} is not in the register of ${commune}.`;
        if (household.duplicateOf) return `Household ${change.rsuId} is a duplicate of ${household.duplicateOf}: add that one instead.`;
      }
    }
    return null;
  }

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(summary, async (c) => {
      const { cycleId } = c.req.valid('param');
      await requireCycle(cycleId);
      const area = principalIn(c).area;
      const scope = area.level === 'national' ? undefined : area.level === 'region' ? eq(communeLists.regionCode, area.region) : eq(communeLists.communeCode, area.commune);
      const rows = await db
        .select({
          region: communeLists.regionCode,
          name: regions.name,
          status: communeLists.status,
          escalation: communeLists.escalation,
          communes: sql<number>`count(*)::int`,
          households: sql<number>`sum(${communeLists.households})::int`,
          overdue: sql<number>`count(*) filter (where ${communeLists.deadlineAt} < now())::int`,
        })
        .from(communeLists)
        .innerJoin(regions, eq(regions.code, communeLists.regionCode))
        .where(and(eq(communeLists.cycleId, cycleId), scope))
        .groupBy(communeLists.regionCode, regions.name, communeLists.status, communeLists.escalation);
      const frozenRows = await db
        .select({ region: beneficiaries.regionCode, n: sql<number>`count(*)::int` })
        .from(beneficiaries)
        .where(eq(beneficiaries.cycleId, cycleId))
        .groupBy(beneficiaries.regionCode);
      const frozen = new Map(frozenRows.map((r) => [r.region, r.n]));
      const byRegion = new Map<string, z.infer<typeof RegionSummarySchema>>();
      for (const r of rows) {
        const s = byRegion.get(r.region) ?? {
          region: r.region,
          name: r.name,
          communes: 0,
          households: 0,
          byStatus: Object.fromEntries(LIST_STATUSES.map((st) => [st, 0])) as Record<(typeof LIST_STATUSES)[number], number>,
          escalated: { region: 0, national: 0 },
          overdue: 0,
          frozenHouseholds: area.level === 'commune' ? 0 : (frozen.get(r.region) ?? 0),
        };
        s.communes += r.communes;
        s.households += r.households;
        s.byStatus[r.status] += r.communes;
        if (r.escalation !== 'commune' && r.status !== 'approved') s.escalated[r.escalation] += r.communes;
        s.overdue += r.status === 'approved' ? 0 : r.overdue;
        byRegion.set(r.region, s);
      }
      const list = [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region));
      const [cycleFrozen] = await db.select({ n: sql<number>`count(*)::int` }).from(cyclePhases).where(and(eq(cyclePhases.cycleId, cycleId), eq(cyclePhases.phase, 'targeting'), eq(cyclePhases.status, 'completed')));
      return c.json({ sent: list.length > 0, frozen: (cycleFrozen?.n ?? 0) > 0, regions: list }, 200);
    })
    .openapi(regionLists, async (c) => {
      const { cycleId, region } = c.req.valid('param');
      await requireCycle(cycleId);
      const area = principalIn(c).area;
      if (area.level !== 'national' && area.region !== region) throw new ApiError(404, 'not_found', `No lists for region "${region}" in your area.`);
      const scope = area.level === 'commune' ? eq(communeLists.communeCode, area.commune) : eq(communeLists.regionCode, region);
      return c.json({ lists: await listRows(cycleId, scope) }, 200);
    })
    .openapi(communeList, async (c) => {
      const { cycleId, commune } = c.req.valid('param');
      const { offset, limit } = c.req.valid('query');
      await requireCycle(cycleId);
      const list = await requireList(cycleId, commune, principalIn(c));
      const onList = and(eq(listEntries.cycleId, cycleId), eq(listEntries.communeCode, commune));
      const [entries, [count], changes] = await Promise.all([
        db
          .select({ entry: listEntries, headName: households.headName, village: households.village, householdSize: households.householdSize, phone: households.phone })
          .from(listEntries)
          .innerJoin(households, eq(households.rsuId, listEntries.rsuId))
          .where(onList)
          .orderBy(asc(households.village), asc(listEntries.rsuId))
          .offset(offset)
          .limit(limit),
        db.select({ n: sql<number>`count(*)::int` }).from(listEntries).where(and(onList, isNull(listEntries.removedInRound))),
        db.select().from(listChanges).where(and(eq(listChanges.cycleId, cycleId), eq(listChanges.communeCode, commune))).orderBy(asc(listChanges.round), asc(listChanges.rsuId)),
      ]);
      return c.json(
        {
          list,
          total: count?.n ?? 0,
          entries: entries.map(({ entry: e, ...h }) => ({
            rsuId: e.rsuId,
            headName: h.headName,
            village: h.village,
            householdSize: h.householdSize,
            phone: maskIdentifier(h.phone),
            addedInRound: e.addedInRound,
            removedInRound: e.removedInRound,
            reason: e.removedInRound !== null ? e.removalReason : e.additionReason,
          })),
          changes: changes.map((ch) => ({
            round: ch.round,
            rsuId: ch.rsuId,
            action: ch.action,
            reason: ch.reason,
            preparedBy: ch.preparedBy,
            preparedAt: ch.preparedAt.toISOString(),
            reviewedBy: ch.reviewedBy,
            outcome: ch.outcome,
          })),
        },
        200,
      );
    })
    .openapi(sendLists, async (c) => {
      const { cycleId } = c.req.valid('param');
      await requireTargetingActive(cycleId);
      const [running] = await db.select({ id: targetingRuns.id }).from(targetingRuns).where(and(eq(targetingRuns.cycleId, cycleId), inArray(targetingRuns.status, ['queued', 'running'])));
      if (running) throw new ApiError(409, 'rule_violated', 'An eligibility run is in progress: send the lists once it has finished.', { rule: 'eligibility-running' });
      const [selection] = await db.select({ rsuId: targetingResults.rsuId }).from(targetingResults).where(and(eq(targetingResults.cycleId, cycleId), eq(targetingResults.selected, true))).limit(1);
      if (!selection) throw new ApiError(409, 'rule_violated', 'Run eligibility first: targeting has selected no household in this cycle.', { rule: 'no-selection' });
      const by = actorContext(c, principalIn(c));
      const state = await targeting(cycleId).executeUpdate(sendListsUpdate, { args: [{ actor: by.principal.username, by }] });
      return c.json({ communes: state.lists.length }, 200);
    })
    .openapi(decide, async (c) => {
      const { cycleId, commune } = c.req.valid('param');
      const input = c.req.valid('json');
      const principal = principalIn(c);
      await requireTargetingActive(cycleId);
      const list = await requireList(cycleId, commune, principal);
      const refusal = authorize(principal, 'list.decide', communeArea(list));
      if (!refusal.allowed) throw new ApiError(refusal.status, refusal.code, refusal.message);
      const misfit = input.changes ? await whyChangesDoNotFit(cycleId, commune, input.changes) : null;
      if (misfit) throw new ApiError(400, 'validation_failed', misfit, { field: 'changes' });
      const by = actorContext(c, principal);
      await targeting(cycleId).executeUpdate(decideListUpdate, { args: [{ ...input, commune, actor: principal.username, by }] });
      return c.json({ list: await requireList(cycleId, commune, principal) }, 200);
    })
    .openapi(review, async (c) => {
      const { cycleId, commune } = c.req.valid('param');
      const input = c.req.valid('json');
      const principal = principalIn(c);
      await requireTargetingActive(cycleId);
      const list = await requireList(cycleId, commune, principal);
      const refusal = authorize(principal, 'list.change.review', communeArea(list));
      if (!refusal.allowed) throw new ApiError(refusal.status, refusal.code, refusal.message);
      // Four eyes, checked here with the workflow's own state and rule before the workflow checks it again.
      const live = await targeting(cycleId).query(targetingStateQuery);
      const why = whyCannotReviewChange(live.lists.find((l) => l.commune === commune), commune, principal);
      if (why) throw new ApiError(409, 'rule_violated', why.message, { rule: why.rule, commune });
      const by = actorContext(c, principal);
      await targeting(cycleId).executeUpdate(reviewListChangeUpdate, { args: [{ ...input, commune, actor: principal.username, by }] });
      return c.json({ list: await requireList(cycleId, commune, principal) }, 200);
    });
}
