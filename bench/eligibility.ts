// The eligibility part of bench:targeting: one run of the eligibility activity (rules, quotas, ranking,
// every household's result) on the households already imported.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createTargetingActivities, type EligibilityRunSummary } from '../activities/targeting';
import type { Database } from '../db/client';
import { cycles, targetingRuns } from '../db/schema';
import { DEFAULT_TARGETING_RULES } from '../domain/targeting';

/** Fewer than the eligible households, so the quota cut binds in every village. */
export const ELIGIBILITY_TARGET = 600_000;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Seconds one eligibility run takes, from asking to the committed results. */
export async function timeEligibility(database: Database, target: number): Promise<number> {
  const cycleId = randomUUID();
  await database.db.insert(cycles).values({ id: cycleId, name: `bench ${cycleId}`, transferAmountFcfa: 90_000, targetHouseholds: target, workflowId: `cycle:${cycleId}`, createdBy: 'bench' });
  const [run] = await database.db
    .insert(targetingRuns)
    .values({ cycleId, rules: DEFAULT_TARGETING_RULES, quotaOverrides: [], target, createdBy: 'bench' })
    .returning({ id: targetingRuns.id });
  log(`eligibility and quotas (target ${target.toLocaleString('en')})…`);
  await database.sql`vacuum analyze households`;
  const by = { principal: { kind: 'user' as const, id: 'bench', username: 'bench', roles: ['coordinator' as const], area: { level: 'national' as const } }, ip: null, requestId: null };
  const activities = createTargetingActivities({ database });
  const started = performance.now();
  const summary = (await new MockActivityEnvironment().run(activities.runEligibility, { runId: run!.id, by })) as EligibilityRunSummary;
  const seconds = (performance.now() - started) / 1000;
  log(`eligibility: ${summary.households} households, ${summary.eligible} eligible, ${summary.selected} selected in ${seconds.toFixed(2)} s`);
  return seconds;
}
