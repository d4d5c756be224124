import { OpenAPIHono, z } from '@hono/zod-openapi';
import { LIST_STATUSES } from '../../domain/beneficiary-list';
import { AREA_LEVELS, CRITERIA_MATCHES, RULE_LIMITS, TARGETING_CRITERIA, TARGETING_OUTCOMES, TARGETING_RUN_STATUSES, TARGETING_RUN_STEPS } from '../../domain/targeting';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { CycleIdParamSchema, ErrorSchema, line } from '../schemas';
import type { TargetingService } from '../services/targeting';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';

const score = () => z.number().min(0).max(100);
const points = () => z.number().min(0).max(RULE_LIMITS.maxPoints);

export const TargetingRulesSchema = z
  .object({
    criteria: z.array(z.enum(TARGETING_CRITERIA)).min(1).max(TARGETING_CRITERIA.length),
    match: z.enum(CRITERIA_MATCHES),
    maxWelfareScore: score().nullable().openapi({ description: 'Households scoring above are out; null: no threshold' }),
    unknownWelfareScore: score().openapi({ description: 'Score assumed when the register has none' }),
    sizeWeights: z
      .array(z.object({ minSize: z.number().int().min(1).max(RULE_LIMITS.maxHouseholdSize), weight: z.number().positive().max(RULE_LIMITS.maxWeight) }).strict())
      .min(1)
      .max(RULE_LIMITS.maxSizeBands),
    criterionPoints: z.object({ foodInsecure: points(), covidCase: points(), covidHit: points() }).strict(),
  })
  .strict()
  .openapi('TargetingRules');

const areaCode = () => line().trim().min(1).max(80);
const QuotaOverrideSchema = z
  .object({ level: z.enum(AREA_LEVELS), code: areaCode(), communeCode: areaCode().optional(), quota: z.number().int().min(0) })
  .strict()
  .openapi('QuotaOverride');

const RunSchema = z
  .object({
    id: z.string(),
    status: z.enum(TARGETING_RUN_STATUSES),
    step: z.enum(TARGETING_RUN_STEPS).nullable(),
    target: z.number().int(),
    households: z.number().int().nullable(),
    eligible: z.number().int().nullable(),
    selected: z.number().int().nullable(),
    failure: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('TargetingRun');

const TargetingSchema = z
  .object({
    cycleId: z.string(),
    target: z.number().int(),
    rules: TargetingRulesSchema,
    quotaOverrides: z.array(QuotaOverrideSchema),
    /** Set when the commune lists went to validation: nothing here changes any more. */
    lockedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string().nullable(),
    run: RunSchema.nullable(),
  })
  .openapi('Targeting');

const AreaQuotaSchema = z
  .object({
    level: z.enum(AREA_LEVELS),
    regionCode: z.string(),
    communeCode: z.string().nullable(),
    village: z.string().nullable(),
    name: z.string(),
    population: z.number().int(),
    povertyRate: z.number(),
    estimated: z.boolean(),
    weight: z.number(),
    registered: z.number().int(),
    eligible: z.number().int(),
    quota: z.number().int(),
    selected: z.number().int(),
    overridden: z.boolean(),
  })
  .openapi('AreaQuota');

const ExplanationSchema = z
  .object({
    rsuId: z.string(),
    regionCode: z.string(),
    communeCode: z.string(),
    communeName: z.string(),
    village: z.string(),
    household: z.object({ householdSize: z.number().int(), foodInsecure: z.boolean(), covidCase: z.boolean(), covidHit: z.boolean(), welfareScore: z.number().nullable() }),
    run: z.object({ id: z.string(), finishedAt: z.string().nullable(), rules: TargetingRulesSchema }).nullable(),
    result: z
      .object({
        outcome: z.enum(TARGETING_OUTCOMES),
        eligible: z.boolean(),
        need: z.number(),
        rank: z.number().int().nullable(),
        villageQuota: z.number().int(),
        villageEligible: z.number().int().nullable(),
        selected: z.boolean(),
        communeCode: z.string(),
        village: z.string(),
      })
      .nullable()
      .openapi({ description: 'Null when the household was not part of the last run (registered since, or set aside as a duplicate)' }),
    assessment: z
      .object({
        criteriaMet: z.array(z.enum(TARGETING_CRITERIA)),
        meetsCriteria: z.boolean(),
        welfareScore: z.number(),
        welfareScoreKnown: z.boolean(),
        passesThreshold: z.boolean(),
        eligible: z.boolean(),
        sizeWeight: z.number(),
        criterionPoints: z.number(),
        need: z.number(),
      })
      .nullable(),
    changedSinceRun: z.boolean(),
    validation: z
      .object({
        listStatus: z.enum(LIST_STATUSES),
        onList: z.boolean(),
        addedInRound: z.number().int().nullable(),
        removedInRound: z.number().int().nullable(),
        reason: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: "What community validation did: null until the commune's list is sent" }),
    /** On the cycle's frozen beneficiary list. */
    frozen: z.boolean(),
  })
  .openapi('TargetingExplanation');

const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such cycle'),
  409: json(ErrorSchema, 'Targeting is locked (lists sent, cycle closed) or a run is in progress'),
};
const tags = ['targeting'];
const RsuParam = CycleIdParamSchema.extend({ rsuId: z.string().max(40).openapi({ param: { name: 'rsuId', in: 'path' }, example: 'RSU-0000012345' }) });
const QuotaQuery = z
  .object({ level: z.enum(AREA_LEVELS).default('region'), region: areaCode().optional(), commune: areaCode().optional() })
  .strict();

const getTargeting = guardedRoute('targeting.read', {
  method: 'get',
  path: '/{cycleId}/targeting',
  tags,
  summary: "The cycle's targeting rules, hand-set quotas and its last run",
  request: { params: CycleIdParamSchema },
  responses: { 200: json(z.object({ targeting: TargetingSchema }), 'Targeting settings'), 404: errors[404] },
});
const putRules = guardedRoute('targeting.configure', {
  method: 'put',
  path: '/{cycleId}/targeting/rules',
  tags,
  summary: 'Set the targeting rules (criteria, welfare score threshold, household-size weights, points)',
  request: { params: CycleIdParamSchema, ...body(TargetingRulesSchema) },
  responses: { 200: json(z.object({ targeting: TargetingSchema }), 'Saved'), ...errors },
});
const putOverrides = guardedRoute('targeting.configure', {
  method: 'put',
  path: '/{cycleId}/targeting/quota-overrides',
  tags,
  summary: 'Set quotas by hand for some regions, communes or villages; the others share the rest',
  request: { params: CycleIdParamSchema, ...body(z.object({ overrides: z.array(QuotaOverrideSchema).max(500) }).strict()) },
  responses: { 200: json(z.object({ targeting: TargetingSchema }), 'Saved'), ...errors },
});
const startRun = guardedRoute('targeting.configure', {
  method: 'post',
  path: '/{cycleId}/targeting/runs',
  tags,
  summary: 'Run eligibility and quotas on the whole register (replaces the previous results when done)',
  request: { params: CycleIdParamSchema },
  responses: { 202: json(z.object({ run: RunSchema }), 'Run started; progress on targeting:progress'), ...errors },
});
const getQuotas = guardedRoute('targeting.read', {
  method: 'get',
  path: '/{cycleId}/targeting/quotas',
  tags,
  summary: 'Eligible households, quota and selected per region, commune or village (last completed run, your area)',
  request: { params: CycleIdParamSchema, query: QuotaQuery },
  responses: { 200: json(z.object({ run: RunSchema.nullable(), areas: z.array(AreaQuotaSchema) }), 'Areas'), 400: errors[400], 404: errors[404] },
});
const explainHousehold = guardedRoute('targeting.read', {
  method: 'get',
  path: '/{cycleId}/targeting/households/{rsuId}',
  tags,
  summary: 'Why a household is in or out: criteria met, score, need, rank, village quota, outcome',
  request: { params: RsuParam },
  responses: { 200: json(z.object({ explanation: ExplanationSchema }), 'Explanation'), 404: json(ErrorSchema, 'No such cycle, or no such household in your area') },
});

export function targetingRoutes(service: TargetingService) {
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(getTargeting, async (c) => c.json({ targeting: await service.overview(c.req.valid('param').cycleId) }, 200))
    .openapi(putRules, async (c) => {
      const targeting = await service.putRules(c.req.valid('param').cycleId, c.req.valid('json'), actorContext(c, principalIn(c)));
      return c.json({ targeting }, 200);
    })
    .openapi(putOverrides, async (c) => {
      const targeting = await service.putQuotaOverrides(c.req.valid('param').cycleId, c.req.valid('json').overrides, actorContext(c, principalIn(c)));
      return c.json({ targeting }, 200);
    })
    .openapi(startRun, async (c) => c.json({ run: await service.startRun(c.req.valid('param').cycleId, actorContext(c, principalIn(c))) }, 202))
    .openapi(getQuotas, async (c) => c.json(await service.quotas(c.req.valid('param').cycleId, c.req.valid('query'), principalIn(c)), 200))
    .openapi(explainHousehold, async (c) => {
      const { cycleId, rsuId } = c.req.valid('param');
      return c.json({ explanation: await service.explain(cycleId, rsuId, principalIn(c)) }, 200);
    });
}
