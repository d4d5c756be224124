import { ApplicationFailure } from '@temporalio/common';
import { eq, sql as q, type SQL } from 'drizzle-orm';
import { auditRow } from '../db/audit';
import type { Database } from '../db/client';
import { auditLog, communes, targetingQuotas, targetingResults, targetingRuns, villages } from '../db/schema';
import { TARGETING_CHANNEL, type TargetingProgress } from '../domain/events';
import type { ActorContext } from '../domain/roles';
import {
  allocateQuotas,
  areaKey,
  areaWeight,
  fillFigures,
  meanPovertyRate,
  type FilledFigures,
  type QuotaOverride,
  type TargetingCriterion,
  type TargetingRules,
  type VillageInput,
} from '../domain/targeting';

/**
 * Households that take part in targeting, as a predicate on `households h`. Superseded duplicates
 * will be left out here (`h.duplicate_of is null`) once the duplicates review lands.
 */
export const HOUSEHOLD_TAKES_PART = 'h.duplicate_of is null';

const raw = (expression: string) => q.raw(expression);
const rowsOf = async <T>(tx: { execute: (query: SQL) => Promise<unknown> }, query: SQL) => (await tx.execute(query)) as unknown as T[];

const CRITERION_COLUMN: Record<TargetingCriterion, string> = { foodInsecure: 'h.food_insecure', covidCase: 'h.covid_case', covidHit: 'h.covid_hit' };

/** A number of validated rules as an SQL literal: never text from a request. */
function literal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return `${value}::float8`;
}

/** The rules of domain/targeting.ts (assessHousehold) as SQL expressions over `households h`. */
export function rulesAsSql(rules: TargetingRules) {
  const columns = rules.criteria.map((c) => CRITERION_COLUMN[c]);
  const met = columns.length === 0 ? 'false' : `(${columns.join(rules.match === 'any' ? ' or ' : ' and ')})`;
  const score = `coalesce(h.welfare_score::float8, ${literal(rules.unknownWelfareScore)})`;
  const passes = rules.maxWelfareScore === null ? 'true' : `(${score} <= ${literal(rules.maxWelfareScore)})`;
  const bands = [...rules.sizeWeights].reverse();
  const sizeWeight = `(case ${bands.map((b) => `when h.household_size >= ${Math.trunc(b.minSize)} then ${literal(b.weight)}`).join(' ')} else ${literal(rules.sizeWeights[0]?.weight ?? 1)} end)`;
  const points = rules.criteria.map((c) => `(case when ${CRITERION_COLUMN[c]} then ${literal(rules.criterionPoints[c])} else 0 end)`).join(' + ') || '0';
  return { met, passes, need: `((100 - ${score}) * ${sizeWeight} + ${points})` };
}

interface VillageCount {
  commune_code: string;
  village: string;
  registered: number;
  eligible: number;
}

interface Figures {
  population: number | null;
  poverty_rate: number | null;
}

interface AreaFacts extends FilledFigures {
  registered: number;
}

/** Population and poverty rate of every area with households (estimated where the geography has none), and the weights. */
function weighAreas(counts: readonly VillageCount[], communes: ReadonlyMap<string, Figures & { region_code: string }>, villages: ReadonlyMap<string, Figures>) {
  const byCommune = new Map<string, VillageCount[]>();
  for (const c of counts) byCommune.set(c.commune_code, [...(byCommune.get(c.commune_code) ?? []), c]);
  const byRegion = new Map<string, string[]>();
  for (const code of byCommune.keys()) {
    const region = communes.get(code)!.region_code;
    byRegion.set(region, [...(byRegion.get(region) ?? []), code]);
  }
  const facts = new Map<string, AreaFacts>();
  const regionWeights = new Map<string, number>();
  const communeWeights = new Map<string, number>();
  const villageInputs: VillageInput[] = [];

  for (const [regionCode, codes] of byRegion) {
    const known = codes.map((code) => communes.get(code)!).filter((c) => c.population !== null && c.poverty_rate !== null);
    const regionRate = meanPovertyRate(known.map((c) => ({ population: c.population!, povertyRate: c.poverty_rate! })), 50);
    const communeRegistered = codes.map((code) => byCommune.get(code)!.reduce((s, v) => s + v.registered, 0));
    const filled = fillFigures(
      codes.map((code, i) => ({ population: communes.get(code)!.population, povertyRate: communes.get(code)!.poverty_rate, registered: communeRegistered[i]! })),
      regionRate,
    );
    codes.forEach((code, i) => {
      const f = filled[i]!;
      facts.set(areaKey('commune', code), { ...f, registered: communeRegistered[i]! });
      communeWeights.set(code, areaWeight(f));
      const list = byCommune.get(code)!;
      const villageFilled = fillFigures(
        list.map((v) => {
          const own = villages.get(`${code}/${v.village}`);
          return { population: own?.population ?? null, povertyRate: own?.poverty_rate ?? null, registered: v.registered };
        }),
        f.povertyRate,
      );
      list.forEach((v, j) => {
        const vf = villageFilled[j]!;
        facts.set(areaKey('village', v.village, code), { ...vf, registered: v.registered });
        villageInputs.push({ regionCode, communeCode: code, village: v.village, weight: areaWeight(vf), eligible: v.eligible });
      });
    });
    regionWeights.set(regionCode, codes.reduce((s, code) => s + communeWeights.get(code)!, 0));
    facts.set(areaKey('region', regionCode), {
      population: filled.reduce((s, f) => s + f.population, 0),
      povertyRate: meanPovertyRate(filled, regionRate),
      estimated: filled.some((f) => f.estimated),
      registered: communeRegistered.reduce((s, n) => s + n, 0),
    });
  }
  return { regionWeights, communeWeights, villages: villageInputs, facts };
}

export interface EligibilityRunInput {
  runId: string;
  by: ActorContext;
}

export interface EligibilityRunSummary {
  households: number;
  eligible: number;
  selected: number;
  target: number;
}

interface RunRow {
  id: string;
  cycle_id: string;
  rules: TargetingRules;
  quota_overrides: QuotaOverride[];
  target: number;
  status: string;
}

export function createTargetingActivities({ database }: { database: Database }) {
  const { sql } = database;

  async function progress(event: TargetingProgress) {
    await sql`select pg_notify(${TARGETING_CHANNEL}, ${JSON.stringify(event)})`;
  }

  /** Progress during the run's transaction goes out as a notification only: updating the run row there would conflict with its snapshot. */
  async function announce(run: RunRow, step: TargetingProgress['step'], counts: { households?: number; eligible?: number } = {}) {
    await progress({ cycleId: run.cycle_id, runId: run.id, status: 'running', step, households: counts.households ?? null, eligible: counts.eligible ?? null, selected: null, failure: null });
  }

  return {
    /**
     * Eligibility and quotas for a cycle: counts eligible households per village, shares the target
     * down to villages, ranks each village's households by need and writes every household's result.
     * Set-based SQL in one repeatable-read transaction: a retry redoes it all, a rerun replaces the
     * cycle's previous results at commit.
     */
    async runEligibility({ runId, by }: EligibilityRunInput): Promise<EligibilityRunSummary> {
      const [run] = await sql<RunRow[]>`select id, cycle_id, rules, quota_overrides, target, status from targeting_runs where id = ${runId}`;
      if (!run) throw ApplicationFailure.nonRetryable(`No targeting run ${runId}`, 'NotFound');
      if (run.status === 'completed') {
        const [done] = await sql<EligibilityRunSummary[]>`select households, eligible, selected, target from targeting_runs where id = ${runId}`;
        return done!;
      }
      const { met, passes, need } = rulesAsSql(run.rules);
      const cycleId = run.cycle_id;
      await sql`update targeting_runs set status = 'running', step = 'counting', started_at = coalesce(started_at, now()) where id = ${run.id}`;
      await announce(run, 'counting');

      const summary = await database.db.transaction(
        async (tx) => {
          await tx.execute(q`set local work_mem = '256MB'`);
          // The planner cannot know each (commune, village) pair matches ~100 households, and picks a nested loop: 10× slower than hashing.
          await tx.execute(q`set local enable_nestloop = off`);
          const counts = await rowsOf<VillageCount>(
            tx,
            q`select h.commune_code, h.village, count(*)::int as registered, count(*) filter (where ${raw(met)} and ${raw(passes)})::int as eligible
              from households h where ${raw(HOUSEHOLD_TAKES_PART)} group by 1, 2`,
          );
          const households = counts.reduce((s, c) => s + c.registered, 0);
          const eligible = counts.reduce((s, c) => s + c.eligible, 0);
          await announce(run, 'allocating', { households, eligible });

          const communeRows = await tx.select({ code: communes.code, region_code: communes.regionCode, population: communes.population, poverty_rate: communes.povertyRate }).from(communes);
          const villageRows = await tx.select({ commune_code: villages.communeCode, name: villages.name, population: villages.population, poverty_rate: villages.povertyRate }).from(villages);
          const areas = weighAreas(counts, new Map(communeRows.map((c) => [c.code, c])), new Map(villageRows.map((v) => [`${v.commune_code}/${v.name}`, v])));
          const quotas = allocateQuotas(run.target, areas, run.quota_overrides);
          const quotaRows = quotas.map((quota) => {
            const f = areas.facts.get(areaKey(quota.level, quota.village ?? quota.communeCode ?? quota.regionCode, quota.communeCode))!;
            return {
              level: quota.level,
              region_code: quota.regionCode,
              commune_code: quota.communeCode,
              village: quota.village,
              population: f.population,
              poverty_rate: f.povertyRate,
              estimated: f.estimated,
              weight: quota.weight,
              registered: f.registered,
              eligible: quota.eligible,
              quota: quota.quota,
              overridden: quota.overridden,
            };
          });
          await announce(run, 'ranking', { households, eligible });

          await tx.delete(targetingResults).where(eq(targetingResults.cycleId, cycleId));
          await tx.delete(targetingQuotas).where(eq(targetingQuotas.cycleId, cycleId));
          await tx.execute(q`
            insert into targeting_quotas (cycle_id, level, region_code, commune_code, village, population, poverty_rate, estimated, weight, registered, eligible, quota, overridden)
            select ${cycleId}, level, region_code, commune_code, village, population, poverty_rate, estimated, weight, registered, eligible, quota, overridden
            from json_to_recordset(${JSON.stringify(quotaRows)}::json) as q(level quota_level, region_code text, commune_code text, village text, population real,
              poverty_rate real, estimated boolean, weight real, registered int, eligible int, quota int, overridden boolean)`);
          // Villages numbered for the ranking: sorting a million rows on an integer first is several times faster than on two texts.
          const villageQuotas = quotaRows.filter((r) => r.level === 'village').map((r, id) => ({ id, commune_code: r.commune_code, village: r.village, quota: r.quota }));
          await tx.execute(q`create temp table village_quota on commit drop as
            select * from json_to_recordset(${JSON.stringify(villageQuotas)}::json) as v(id int, commune_code text, village text, quota int)`);
          await tx.execute(q`analyze village_quota`);
          // Rank within each village by need, then RSU id (byte order: the same on every server).
          await tx.execute(q`
            insert into targeting_results (cycle_id, commune_code, rsu_id, village, eligible, outcome, need, rank, village_quota, selected)
            select ${cycleId}, r.commune_code, r.rsu_id, r.village, r.eligible,
              (case when not r.met then 'no-criterion' when not r.passes then 'above-threshold'
                    when r.rank <= r.quota then 'selected' else 'beyond-quota' end)::targeting_outcome,
              r.need, r.rank, r.quota, coalesce(r.rank <= r.quota, false)
            from (
              select s.*, case when s.eligible then row_number() over (partition by s.village_id, s.eligible order by s.need desc, s.rsu_id collate "C") end as rank
              from (
                select h.rsu_id, h.commune_code, h.village, v.id as village_id, v.quota,
                  ${raw(met)} as met, ${raw(passes)} as passes, (${raw(met)} and ${raw(passes)}) as eligible, ${raw(need)} as need
                from households h join village_quota v on v.commune_code = h.commune_code and v.village = h.village
                where ${raw(HOUSEHOLD_TAKES_PART)}
              ) s
            ) r`);
          // Quotas never exceed eligible households, so each village selects exactly its quota (the tests check it against the results).
          const selected = quotaRows.filter((r) => r.level === 'region').reduce((n, r) => n + r.quota, 0);
          const result: EligibilityRunSummary = { households, eligible, selected, target: run.target };
          await tx
            .update(targetingRuns)
            .set({ status: 'completed', step: 'completed', households, eligible, selected, finishedAt: new Date() })
            .where(eq(targetingRuns.id, runId));
          await tx.insert(auditLog).values(auditRow(by, { action: 'targeting.run', targetType: 'cycle', targetId: cycleId, after: { runId, ...result } }));
          const done: TargetingProgress = { cycleId, runId, status: 'completed', step: 'completed', households, eligible, selected, failure: null };
          await tx.execute(q`select pg_notify(${TARGETING_CHANNEL}, ${JSON.stringify(done)})`);
          return result;
        },
        { isolationLevel: 'repeatable read' },
      );
      return summary;
    },

    /** A run that cannot finish says why, to the console and in its row. */
    async failEligibilityRun({ runId, message }: { runId: string; message: string }): Promise<void> {
      const [run] = await sql<Array<{ cycle_id: string }>>`
        update targeting_runs set status = 'failed', step = 'failed', failure = ${message}, finished_at = now() where id = ${runId} and status <> 'completed' returning cycle_id`;
      if (run) await progress({ cycleId: run.cycle_id, runId, status: 'failed', step: 'failed', households: null, eligible: null, selected: null, failure: message });
    },
  };
}
