import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client';
import { auditRow } from '../../db/audit';
import { auditLog, communes, duplicatePairs, households, type DuplicatePairRow, type HouseholdRow } from '../../db/schema';
import { DUPLICATE_REASONS, DUPLICATE_STATUSES, MERGEABLE_FIELDS, STATUS_AFTER, differingFields, mergeChanges } from '../../domain/duplicates';
import { isUuid } from '../../domain/ids';
import { maskIdentifier } from '../../domain/personal-data';
import { authorize } from '../../domain/policy';
import { RSU_ID_PATTERN } from '../../domain/register';
import type { Area, Principal } from '../../domain/roles';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, text } from '../schemas';
import { validationHook } from '../validation';
import { guardedRoute, json, body } from './guard';
import { HouseholdSchema, householdView } from './register';

const PairSchema = z
  .object({
    id: z.string(),
    reasons: z.array(z.enum(DUPLICATE_REASONS)),
    status: z.enum(DUPLICATE_STATUSES),
    /** Both records, NINA and phone masked; `a` has the smaller RSU id. */
    a: HouseholdSchema,
    b: HouseholdSchema,
    /** Fields whose stored values differ (compared unmasked, so two masks that look alike may still differ). */
    differences: z.array(z.enum(MERGEABLE_FIELDS)),
    keptRsuId: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.string().nullable(),
    note: z.string().nullable(),
    foundByImport: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('DuplicatePair');

const ListQuery = z
  .object({
    status: z.enum(DUPLICATE_STATUSES).optional().openapi({ description: 'Every status when absent' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });

const rsuId = () => z.string().regex(RSU_ID_PATTERN, 'Not an RSU id').openapi({ example: 'RSU-0000012345' });
const note = () => text().trim().max(1000).optional();
const ResolveSchema = z
  .discriminatedUnion('decision', [
    z.object({ decision: z.literal('keep'), keep: rsuId().openapi({ description: 'The record that stays; the other is superseded' }), note: note() }).strict(),
    z
      .object({
        decision: z.literal('merge'),
        keep: rsuId(),
        take: z.array(z.enum(MERGEABLE_FIELDS)).min(1).max(MERGEABLE_FIELDS.length).openapi({ description: 'Fields the kept record takes from the other one' }),
        note: note(),
      })
      .strict(),
    z.object({ decision: z.literal('distinct'), note: note() }).strict(),
  ])
  .openapi('DuplicateDecision');

const listPairs = guardedRoute('duplicate.read', {
  method: 'get',
  path: '/',
  tags: ['duplicates'],
  summary: 'Possible duplicates whose two households are in your area, oldest first; NINA and phone masked',
  request: { query: ListQuery },
  responses: { 200: json(z.object({ pairs: z.array(PairSchema), total: z.number().int() }), 'One page of pairs'), 400: json(ErrorSchema, 'Invalid query') },
});
const getPair = guardedRoute('duplicate.read', {
  method: 'get',
  path: '/{id}',
  tags: ['duplicates'],
  summary: 'One pair, both records side by side',
  request: { params: IdParam },
  responses: { 200: json(z.object({ pair: PairSchema }), 'The pair'), 404: json(ErrorSchema, 'Unknown pair') },
});
const resolvePair = guardedRoute('duplicate.review', {
  method: 'post',
  path: '/{id}/resolve',
  tags: ['duplicates'],
  summary: 'Keep one record, merge them, or mark them as two households (audited)',
  description: 'Keep and merge set the other record’s duplicateOf: it is never targeted nor paid. A resolved pair is final.',
  request: { params: IdParam, ...body(ResolveSchema) },
  responses: {
    200: json(z.object({ pair: PairSchema }), 'The resolved pair'),
    400: json(ErrorSchema, 'Invalid decision'),
    404: json(ErrorSchema, 'Unknown pair'),
    409: json(ErrorSchema, 'Already resolved, or a record already superseded'),
  },
});

type Located = HouseholdRow & { regionCode: string };

const areaOf = (h: Located): Area => ({ level: 'commune', region: h.regionCode, commune: h.communeCode });

/** Where a household lies in the geography of Mali, for its masking and the caller's area. */
const householdA = alias(households, 'household_a');
const householdB = alias(households, 'household_b');
const communeA = alias(communes, 'commune_a');
const communeB = alias(communes, 'commune_b');

/** Pairs a principal may see: both households inside their area. */
function areaFilter(principal: Principal): SQL | undefined {
  const area = principal.area;
  if (area.level === 'national') return undefined;
  if (area.level === 'region') return and(eq(communeA.regionCode, area.region), eq(communeB.regionCode, area.region));
  return and(eq(householdA.communeCode, area.commune), eq(householdB.communeCode, area.commune));
}

function pairView(p: DuplicatePairRow, a: Located, b: Located): z.infer<typeof PairSchema> {
  return {
    id: p.id,
    reasons: p.reasons,
    status: p.status,
    a: householdView(a, false),
    b: householdView(b, false),
    differences: differingFields(a, b),
    keptRsuId: p.keptRsuId,
    resolvedBy: p.resolvedBy,
    resolvedAt: p.resolvedAt?.toISOString() ?? null,
    note: p.note,
    foundByImport: p.foundByImport,
    createdAt: p.createdAt.toISOString(),
  };
}

/** A merge's audit keeps the values it replaced, NINA and phone masked as everywhere else. */
function auditable(values: Partial<Record<string, unknown>>) {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, k === 'nina' || k === 'phone' ? maskIdentifier(v as string | null) : v]));
}

export function duplicateRoutes({ database }: { database: Database }) {
  const { db } = database;
  const pairColumns = {
    pair: duplicatePairs,
    a: householdA,
    b: householdB,
    regionA: communeA.regionCode,
    regionB: communeB.regionCode,
    total: sql<number>`(count(*) over ())::int`,
  };
  type Reader = Pick<typeof db, 'select'>;
  /** Pairs with both households and their regions, which the area checks and the view need. */
  const joined = (tx: Reader) =>
    tx
      .select(pairColumns)
      .from(duplicatePairs)
      .innerJoin(householdA, eq(householdA.rsuId, duplicatePairs.rsuIdA))
      .innerJoin(householdB, eq(householdB.rsuId, duplicatePairs.rsuIdB))
      .innerJoin(communeA, eq(communeA.code, householdA.communeCode))
      .innerJoin(communeB, eq(communeB.code, householdB.communeCode));
  type Joined = Awaited<ReturnType<typeof joined>>[number];
  const view = (r: Joined) => pairView(r.pair, { ...r.a, regionCode: r.regionA }, { ...r.b, regionCode: r.regionB });

  /** The pair, or 404; outside the caller's area, 403 (the caller may act on neither record). */
  async function pairFor(principal: Principal, id: string, action: 'duplicate.read' | 'duplicate.review', tx: Reader = db, lock = false) {
    if (!isUuid(id)) throw new ApiError(404, 'not_found', `No duplicate pair with id "${id}".`);
    // Two reviewers deciding at once: the second waits here, then finds the pair resolved.
    if (lock) await tx.select({ id: duplicatePairs.id }).from(duplicatePairs).where(eq(duplicatePairs.id, id)).for('update');
    const [row] = await joined(tx).where(eq(duplicatePairs.id, id));
    if (!row) throw new ApiError(404, 'not_found', `No duplicate pair with id "${id}".`);
    for (const h of [{ ...row.a, regionCode: row.regionA }, { ...row.b, regionCode: row.regionB }]) {
      const decision = authorize(principal, action, areaOf(h));
      if (!decision.allowed) throw new ApiError(403, 'forbidden', decision.message);
    }
    return row;
  }

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(listPairs, async (c) => {
      const { status, limit, offset } = c.req.valid('query');
      const where = and(areaFilter(principalIn(c)), status ? eq(duplicatePairs.status, status) : undefined);
      const page = (from: number, size: number) => joined(db).where(where).orderBy(asc(duplicatePairs.createdAt), asc(duplicatePairs.rsuIdA), asc(duplicatePairs.rsuIdB)).limit(size).offset(from);
      const rows = await page(offset, limit);
      // Past the last page the window count has no row to ride on.
      const total = rows[0]?.total ?? (offset > 0 ? ((await page(0, 1))[0]?.total ?? 0) : 0);
      return c.json({ pairs: rows.map(view), total }, 200);
    })
    .openapi(getPair, async (c) => c.json({ pair: view(await pairFor(principalIn(c), c.req.valid('param').id, 'duplicate.read')) }, 200))
    .openapi(resolvePair, async (c) => {
      const { id } = c.req.valid('param');
      const decision = c.req.valid('json');
      const principal = principalIn(c);
      const by = actorContext(c, principal);
      const row = await db.transaction(async (tx) => {
        const found = await pairFor(principal, id, 'duplicate.review', tx, true);
        const { pair } = found;
        if (pair.status !== 'open') {
          throw new ApiError(409, 'conflict', `This pair was already resolved (${pair.status}) by ${pair.resolvedBy ?? 'someone'}.`, { status: pair.status, resolvedBy: pair.resolvedBy, resolvedAt: pair.resolvedAt });
        }
        const before = { status: pair.status };
        let after: Record<string, unknown> = { status: STATUS_AFTER[decision.decision], note: decision.note ?? null };
        let kept: string | null = null;
        if (decision.decision !== 'distinct') {
          const keep = [found.a, found.b].find((h) => h.rsuId === decision.keep);
          const other = keep === found.a ? found.b : found.a;
          if (!keep) throw new ApiError(400, 'validation_failed', `"${decision.keep}" is not one of this pair’s records (${pair.rsuIdA}, ${pair.rsuIdB}).`, { field: 'keep' });
          for (const h of [keep, other]) {
            if (h.duplicateOf) throw new ApiError(409, 'conflict', `${h.rsuId} is already superseded by ${h.duplicateOf}: resolve that first.`, { rsuId: h.rsuId, duplicateOf: h.duplicateOf });
          }
          kept = keep.rsuId;
          after = { ...after, kept: keep.rsuId, superseded: other.rsuId };
          if (decision.decision === 'merge') {
            const changes = mergeChanges(keep, other, decision.take);
            if (Object.keys(changes).length > 0) {
              await tx.update(households).set({ ...changes, updatedAt: new Date() }).where(eq(households.rsuId, keep.rsuId));
            }
            const replaced = Object.fromEntries(Object.keys(changes).map((k) => [k, keep[k as keyof typeof changes]]));
            after = { ...after, taken: decision.take, changed: auditable(changes), replaced: auditable(replaced) };
          }
          await tx.update(households).set({ duplicateOf: keep.rsuId, updatedAt: new Date() }).where(eq(households.rsuId, other.rsuId));
        }
        await tx
          .update(duplicatePairs)
          .set({ status: STATUS_AFTER[decision.decision], keptRsuId: kept, resolvedBy: principal.username, resolvedAt: new Date(), note: decision.note || null })
          .where(eq(duplicatePairs.id, id));
        await tx.insert(auditLog).values(auditRow(by, { action: `duplicate.${decision.decision}`, targetType: 'duplicate-pair', targetId: id, before, after }));
        return pairFor(principal, id, 'duplicate.review', tx);
      });
      return c.json({ pair: view(row) }, 200);
    });
}
