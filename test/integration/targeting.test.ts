import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, cycles, households, targetingQuotas, targetingResults, targetingRules, targetingRuns } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import { DEFAULT_TARGETING_RULES, type TargetingOutcome } from '../../domain/targeting';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let coordinator: ApiSession;
let mopti: ApiSession;
let auditor: ApiSession;

/** A household of the hand-built register: flags F (food), C (COVID case), H (hit by COVID). */
function household(rsuId: string, communeCode: string, village: string, flags: string, welfareScore: number | null, householdSize: number) {
  return {
    rsuId,
    headName: 'Awa Traoré',
    sex: 'F' as const,
    birthYear: 1970,
    communeCode,
    village,
    householdSize,
    foodInsecure: flags.includes('F'),
    covidCase: flags.includes('C'),
    covidHit: flags.includes('H'),
    welfareScore,
  };
}

/**
 * With the default rules (any criterion, score ≤ 60, unknown score = 50, size weights 1/1.1/1.2/1.3 from
 * 1/4/7/10 people, points F 20, C 15, H 10), each household's need and outcome are known by hand.
 * Quotas: KAY 3 and MOP 1 set by hand; Alpha and Beta have no figures (not in villages.csv), so they
 * share KAY-001's 3 by registered households, 6 : 5 → 1.64 / 1.36 → Alpha 2, Beta 1.
 */
const REGISTER = [
  household('RSU-0000000101', 'KAY-001', 'Alpha', 'F', 10, 8), // need 90×1.2+20 = 128, rank 1
  household('RSU-0000000102', 'KAY-001', 'Alpha', 'H', 30, 3), // 70+10 = 80, rank 3
  household('RSU-0000000103', 'KAY-001', 'Alpha', '', 5, 6), // no criterion
  household('RSU-0000000104', 'KAY-001', 'Alpha', 'F', 75, 6), // score above 60
  household('RSU-0000000105', 'KAY-001', 'Alpha', 'C', null, 5), // unknown score → 50: 50×1.1+15 = 70, rank 4
  household('RSU-0000000106', 'KAY-001', 'Alpha', 'FH', 40, 2), // 60+30 = 90, rank 2
  household('RSU-0000000201', 'KAY-001', 'Beta', 'F', 20, 10), // 80×1.3+20 = 124, rank 1
  household('RSU-0000000202', 'KAY-001', 'Beta', 'F', 50, 1), // 70, rank 2 (same need as 205, smaller RSU id)
  household('RSU-0000000203', 'KAY-001', 'Beta', 'H', 61, 3), // score above 60
  household('RSU-0000000204', 'KAY-001', 'Beta', 'F', 59.5, 4), // 40.5×1.1+20 = 64.55, rank 4
  household('RSU-0000000205', 'KAY-001', 'Beta', 'F', 50, 1), // 70, rank 3
  household('RSU-0000000301', 'MOP-001', 'Gamma', 'F', 0, 6), // 100×1.1+20 = 130, rank 1
  household('RSU-0000000302', 'MOP-001', 'Gamma', '', 90, 6), // no criterion
];

const EXPECTED: Record<string, [TargetingOutcome, number | null, number]> = {
  'RSU-0000000101': ['selected', 1, 128],
  'RSU-0000000106': ['selected', 2, 90],
  'RSU-0000000102': ['beyond-quota', 3, 80],
  'RSU-0000000105': ['beyond-quota', 4, 70],
  'RSU-0000000103': ['no-criterion', null, 95 * 1.1],
  'RSU-0000000104': ['above-threshold', null, 25 * 1.1 + 20],
  'RSU-0000000201': ['selected', 1, 124],
  'RSU-0000000202': ['beyond-quota', 2, 70],
  'RSU-0000000205': ['beyond-quota', 3, 70],
  'RSU-0000000204': ['beyond-quota', 4, 64.55],
  'RSU-0000000203': ['above-threshold', null, 39 + 10],
  'RSU-0000000301': ['selected', 1, 130],
  'RSU-0000000302': ['no-criterion', null, 10 * 1.1],
};

async function newCycle(target: number): Promise<string> {
  const id = randomUUID();
  await stack.database.db.insert(cycles).values({ id, name: `Ciblage ${id.slice(0, 8)}`, transferAmountFcfa: 90_000, targetHouseholds: target, workflowId: `cycle:${id}`, createdBy: 'test' });
  return id;
}

async function runToCompletion(cycleId: string) {
  const started = await coordinator.call('POST', `/api/cycles/${cycleId}/targeting/runs`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await expect
    .poll(async () => (await coordinator.call('GET', `/api/cycles/${cycleId}/targeting`)).body.targeting.run.status, { timeout: 30_000, interval: 200 })
    .toBe('completed');
  return (await coordinator.call('GET', `/api/cycles/${cycleId}/targeting`)).body.targeting.run;
}

const results = (cycleId: string) => stack.database.db.select().from(targetingResults).where(eq(targetingResults.cycleId, cycleId));
const quotaSums = async (cycleId: string) => {
  const rows = await stack.database.db.select().from(targetingQuotas).where(eq(targetingQuotas.cycleId, cycleId));
  const sum = (level: string) => rows.filter((r) => r.level === level).reduce((s, r) => s + r.quota, 0);
  return { region: sum('region'), commune: sum('commune'), village: sum('village') };
};

beforeAll(async () => {
  stack = await startTestStack('targeting');
  const base = (await stack.startApi()).url;
  await stack.database.db.insert(households).values(REGISTER);
  coordinator = await signInAs(stack.database, base, ['coordinator']);
  mopti = await signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' });
  auditor = await signInAs(stack.database, base, ['auditor']);
});
afterAll(() => stack?.stop());

describe('eligibility and quotas', () => {
  let cycleId: string;

  it('selects, for each household of a hand-built register, exactly what the rules, the quotas and the ranking say', async () => {
    cycleId = await newCycle(4);
    const overrides = await coordinator.call('PUT', `/api/cycles/${cycleId}/targeting/quota-overrides`, {
      overrides: [
        { level: 'region', code: 'KAY', quota: 3 },
        { level: 'region', code: 'MOP', quota: 1 },
      ],
    });
    expect(overrides.status, JSON.stringify(overrides.body)).toBe(200);
    const run = await runToCompletion(cycleId);
    expect(run).toMatchObject({ households: 13, eligible: 9, selected: 4, target: 4 });

    const rows = await results(cycleId);
    expect(rows).toHaveLength(REGISTER.length);
    for (const r of rows) {
      const [outcome, rank, need] = EXPECTED[r.rsuId]!;
      expect({ rsuId: r.rsuId, outcome: r.outcome, rank: r.rank, selected: r.selected }).toEqual({ rsuId: r.rsuId, outcome, rank, selected: outcome === 'selected' });
      expect(r.need, r.rsuId).toBeCloseTo(need, 3);
    }
    const village = (name: string) => rows.find((r) => r.village === name)!.villageQuota;
    expect([village('Alpha'), village('Beta'), village('Gamma')]).toEqual([2, 1, 1]);
    expect(await quotaSums(cycleId)).toEqual({ region: 4, commune: 4, village: 4 });
    const [alpha] = await stack.database.db
      .select()
      .from(targetingQuotas)
      .where(and(eq(targetingQuotas.cycleId, cycleId), eq(targetingQuotas.village, 'Alpha')));
    expect(alpha).toMatchObject({ registered: 6, eligible: 4, quota: 2, estimated: true, overridden: false });
  });

  it('running again replaces the results with the same ones, and is audited', async () => {
    const before = (await results(cycleId)).map((r) => [r.rsuId, r.outcome, r.rank]).sort();
    await runToCompletion(cycleId);
    const after = (await results(cycleId)).map((r) => [r.rsuId, r.outcome, r.rank]).sort();
    expect(after).toEqual(before);
    const audits = await stack.database.db.select().from(auditLog).where(and(eq(auditLog.action, 'targeting.run'), eq(auditLog.targetId, cycleId)));
    expect(audits).toHaveLength(2);
  });

  it('quotas follow population × poverty rate when nothing is set by hand, sum to the target at each level, and never exceed the eligible', async () => {
    const id = await newCycle(5);
    await runToCompletion(id);
    expect(await quotaSums(id)).toEqual({ region: 5, commune: 5, village: 5 });
    const big = await newCycle(1000);
    const run = await runToCompletion(big);
    expect(run).toMatchObject({ eligible: 9, selected: 9 });
    expect(await quotaSums(big)).toEqual({ region: 9, commune: 9, village: 9 });
    const summary = await coordinator.call('GET', `/api/cycles/${big}/targeting/quotas?level=village&commune=KAY-001`);
    expect(summary.body.areas.map((a: { name: string; eligible: number; quota: number; selected: number }) => [a.name, a.eligible, a.quota, a.selected])).toEqual([
      ['Alpha', 4, 4, 4],
      ['Beta', 4, 4, 4],
    ]);
  });

  it('explains a household: criteria met, score, need, rank against the village quota, outcome', async () => {
    const answer = await auditor.call('GET', `/api/cycles/${cycleId}/targeting/households/RSU-0000000102`);
    expect(answer.status).toBe(200);
    expect(answer.body.explanation).toMatchObject({
      communeCode: 'KAY-001',
      village: 'Alpha',
      result: { outcome: 'beyond-quota', rank: 3, villageQuota: 2, villageEligible: 4, selected: false },
      assessment: { criteriaMet: ['covidHit'], welfareScore: 30, welfareScoreKnown: true, passesThreshold: true, sizeWeight: 1, criterionPoints: 10, need: 80 },
      changedSinceRun: false,
    });
    const unknownScore = await auditor.call('GET', `/api/cycles/${cycleId}/targeting/households/RSU-0000000105`);
    expect(unknownScore.body.explanation.assessment).toMatchObject({ welfareScore: 50, welfareScoreKnown: false });
  });

  it('a focal point of Mopti sees Mopti only: Kayes quotas are refused, a Kayes household does not exist for them', async () => {
    const regions = await mopti.call('GET', `/api/cycles/${cycleId}/targeting/quotas?level=region`);
    expect(regions.status).toBe(200);
    expect(regions.body.areas.map((a: { regionCode: string }) => a.regionCode)).toEqual(['MOP']);
    const kayes = await mopti.call('GET', `/api/cycles/${cycleId}/targeting/quotas?level=commune&region=KAY`);
    expect(kayes.status).toBe(403);
    expect(kayes.body.error.code).toBe('forbidden');
    expect((await mopti.call('GET', `/api/cycles/${cycleId}/targeting/households/RSU-0000000101`)).status).toBe(404);
    expect((await mopti.call('GET', `/api/cycles/${cycleId}/targeting/households/RSU-0000000301`)).body.explanation.result.outcome).toBe('selected');
    const run = await mopti.call('POST', `/api/cycles/${cycleId}/targeting/runs`);
    expect(run.status).toBe(403);
  });

  it('refuses unusable rules with a 400 naming the field, and changes nothing', async () => {
    const bad = await coordinator.call('PUT', `/api/cycles/${cycleId}/targeting/rules`, {
      ...DEFAULT_TARGETING_RULES,
      sizeWeights: [
        { minSize: 1, weight: 1 },
        { minSize: 1, weight: 2 },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'validation_failed', details: { issues: [{ path: 'sizeWeights.1.minSize' }] } });
    const outOfRange = await coordinator.call('PUT', `/api/cycles/${cycleId}/targeting/rules`, { ...DEFAULT_TARGETING_RULES, maxWelfareScore: 140 });
    expect(outOfRange.status).toBe(400);
    const unknownRegion = await coordinator.call('PUT', `/api/cycles/${cycleId}/targeting/quota-overrides`, { overrides: [{ level: 'region', code: 'XXX', quota: 1 }] });
    expect(unknownRegion.status).toBe(400);
    const settings = await coordinator.call('GET', `/api/cycles/${cycleId}/targeting`);
    expect(settings.body.targeting.rules).toEqual(DEFAULT_TARGETING_RULES);
    expect(settings.body.targeting.quotaOverrides).toHaveLength(2);
  });

  it('new rules change the outcome: food difficulties AND hit by COVID-19 leaves one Alpha household eligible', async () => {
    const rules = { ...DEFAULT_TARGETING_RULES, criteria: ['foodInsecure', 'covidHit'], match: 'all' };
    const saved = await coordinator.call('PUT', `/api/cycles/${cycleId}/targeting/rules`, rules);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await runToCompletion(cycleId);
    const eligible = (await results(cycleId)).filter((r) => r.eligible).map((r) => r.rsuId);
    expect(eligible).toEqual(['RSU-0000000106']);
    const explained = await coordinator.call('GET', `/api/cycles/${cycleId}/targeting/households/RSU-0000000101`);
    expect(explained.body.explanation.result.outcome).toBe('no-criterion');
    expect(explained.body.explanation.run.rules.match).toBe('all');
  });

  it('refuses a second run while one is in progress, and any change once the commune lists are sent', async () => {
    const id = await newCycle(5);
    await stack.database.db.insert(targetingRuns).values({ cycleId: id, status: 'running', rules: DEFAULT_TARGETING_RULES, quotaOverrides: [], target: 5, createdBy: 'someone' });
    const second = await coordinator.call('POST', `/api/cycles/${id}/targeting/runs`);
    expect([second.status, second.body.error.code]).toEqual([409, 'conflict']);

    await stack.database.db.update(targetingRules).set({ lockedAt: new Date() }).where(eq(targetingRules.cycleId, cycleId));
    const rules = await coordinator.call('PUT', `/api/cycles/${cycleId}/targeting/rules`, DEFAULT_TARGETING_RULES);
    expect([rules.status, rules.body.error.code]).toEqual([409, 'rule_violated']);
    expect((await coordinator.call('POST', `/api/cycles/${cycleId}/targeting/runs`)).status).toBe(409);
  });
});
