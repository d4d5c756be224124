// Targeting a cycle: which households are eligible, how much each area may take (quotas), who is
// selected within a village, and why. Pure: the activity runs the same rules in SQL, the API and
// the console explain with these functions.

/** The program's three criteria (DOMAIN.md): food difficulties, a COVID-19 case, activities hit by COVID-19. */
export const TARGETING_CRITERIA = ['foodInsecure', 'covidCase', 'covidHit'] as const;
export type TargetingCriterion = (typeof TARGETING_CRITERIA)[number];

/** `any`: one of the chosen criteria is enough; `all`: every chosen criterion must be met. */
export const CRITERIA_MATCHES = ['any', 'all'] as const;
export type CriteriaMatch = (typeof CRITERIA_MATCHES)[number];

/** From `minSize` people on (until the next band), a household's need is multiplied by `weight`. */
export interface SizeWeight {
  minSize: number;
  weight: number;
}

export interface TargetingRules {
  /** The criteria that count; at least one. */
  criteria: TargetingCriterion[];
  match: CriteriaMatch;
  /** Households whose welfare score (0–100, lower is poorer) is above this are out; null: no threshold. */
  maxWelfareScore: number | null;
  /** The score assumed for a household the register has no score for, in the threshold and in the need. */
  unknownWelfareScore: number;
  /** Bands by household size, smallest first, the first from 1 person. */
  sizeWeights: SizeWeight[];
  /** Points added to the need for each counted criterion the household meets. */
  criterionPoints: Record<TargetingCriterion, number>;
}

/**
 * Defaults from the program's criteria: any of the three, very poor households (score at most 60),
 * larger households first, a COVID-19 case weighing most.
 */
export const DEFAULT_TARGETING_RULES: TargetingRules = {
  criteria: ['foodInsecure', 'covidCase', 'covidHit'],
  match: 'any',
  maxWelfareScore: 60,
  unknownWelfareScore: 50,
  sizeWeights: [
    { minSize: 1, weight: 1 },
    { minSize: 4, weight: 1.1 },
    { minSize: 7, weight: 1.2 },
    { minSize: 10, weight: 1.3 },
  ],
  criterionPoints: { foodInsecure: 20, covidCase: 15, covidHit: 10 },
};

export const RULE_LIMITS = { maxSizeBands: 10, maxWeight: 10, maxPoints: 100, maxHouseholdSize: 60 } as const;

export interface RuleProblem {
  field: string;
  message: string;
}

/** What is wrong with a set of rules, in words for the person editing them; empty when they are usable. */
export function ruleProblems(rules: TargetingRules): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (rules.criteria.length === 0) add('criteria', 'Choose at least one criterion.');
  if (new Set(rules.criteria).size !== rules.criteria.length) add('criteria', 'A criterion is listed twice.');
  for (const c of rules.criteria) if (!TARGETING_CRITERIA.includes(c)) add('criteria', `Unknown criterion "${String(c)}".`);
  if (!CRITERIA_MATCHES.includes(rules.match)) add('match', 'Match must be "any" or "all".');
  const score = (v: number) => Number.isFinite(v) && v >= 0 && v <= 100;
  if (rules.maxWelfareScore !== null && !score(rules.maxWelfareScore)) add('maxWelfareScore', 'The threshold is a score between 0 and 100.');
  if (!score(rules.unknownWelfareScore)) add('unknownWelfareScore', 'The score assumed when unknown is between 0 and 100.');
  const bands = rules.sizeWeights;
  if (bands.length === 0 || bands.length > RULE_LIMITS.maxSizeBands) add('sizeWeights', `Give 1 to ${RULE_LIMITS.maxSizeBands} size bands.`);
  if (bands.length > 0 && bands[0]!.minSize !== 1) add('sizeWeights', 'The first size band starts at 1 person.');
  bands.forEach((band, i) => {
    if (!Number.isInteger(band.minSize) || band.minSize < 1 || band.minSize > RULE_LIMITS.maxHouseholdSize) {
      add(`sizeWeights.${i}.minSize`, `A band starts at a whole number of people from 1 to ${RULE_LIMITS.maxHouseholdSize}.`);
    }
    if (i > 0 && band.minSize <= bands[i - 1]!.minSize) add(`sizeWeights.${i}.minSize`, 'Size bands go from the smallest households to the largest, without repeating.');
    if (!Number.isFinite(band.weight) || band.weight <= 0 || band.weight > RULE_LIMITS.maxWeight) add(`sizeWeights.${i}.weight`, `A weight is above 0 and at most ${RULE_LIMITS.maxWeight}.`);
  });
  for (const c of TARGETING_CRITERIA) {
    const p = rules.criterionPoints[c];
    if (!Number.isFinite(p) || p < 0 || p > RULE_LIMITS.maxPoints) add(`criterionPoints.${c}`, `Points are between 0 and ${RULE_LIMITS.maxPoints}.`);
  }
  return problems;
}

/** What of a household the rules read. */
export interface HouseholdFacts {
  householdSize: number;
  foodInsecure: boolean;
  covidCase: boolean;
  covidHit: boolean;
  welfareScore: number | null;
}

export function sizeWeightFor(rules: TargetingRules, householdSize: number): number {
  let weight = rules.sizeWeights[0]?.weight ?? 1;
  for (const band of rules.sizeWeights) if (householdSize >= band.minSize) weight = band.weight;
  return weight;
}

/** Outcome codes of a household in a run, stored with each result; words live in the console. */
export const TARGETING_OUTCOMES = ['selected', 'beyond-quota', 'no-criterion', 'above-threshold'] as const;
export type TargetingOutcome = (typeof TARGETING_OUTCOMES)[number];

export interface Assessment {
  /** Counted criteria the household meets. */
  criteriaMet: TargetingCriterion[];
  meetsCriteria: boolean;
  /** The score used: the register's, or the rules' assumption when the register has none. */
  welfareScore: number;
  welfareScoreKnown: boolean;
  passesThreshold: boolean;
  eligible: boolean;
  sizeWeight: number;
  criterionPoints: number;
  /** need = (100 − welfare score) × size weight + points of the criteria met. Higher comes first. */
  need: number;
}

/** The same formula the run applies in SQL: what a household meets and how much it needs. */
export function assessHousehold(rules: TargetingRules, h: HouseholdFacts): Assessment {
  const criteriaMet = rules.criteria.filter((c) => h[c]);
  const meetsCriteria = rules.match === 'any' ? criteriaMet.length > 0 : criteriaMet.length === rules.criteria.length && rules.criteria.length > 0;
  const welfareScoreKnown = h.welfareScore !== null;
  const welfareScore = h.welfareScore ?? rules.unknownWelfareScore;
  const passesThreshold = rules.maxWelfareScore === null || welfareScore <= rules.maxWelfareScore;
  const sizeWeight = sizeWeightFor(rules, h.householdSize);
  const criterionPoints = criteriaMet.reduce((sum, c) => sum + rules.criterionPoints[c], 0);
  return {
    criteriaMet,
    meetsCriteria,
    welfareScore,
    welfareScoreKnown,
    passesThreshold,
    eligible: meetsCriteria && passesThreshold,
    sizeWeight,
    criterionPoints,
    need: (100 - welfareScore) * sizeWeight + criterionPoints,
  };
}

/** The outcome a ranked household gets: criteria first, then the threshold, then its rank against its village's quota. */
export function outcomeOf(a: Pick<Assessment, 'meetsCriteria' | 'passesThreshold'>, rank: number | null, villageQuota: number): TargetingOutcome {
  if (!a.meetsCriteria) return 'no-criterion';
  if (!a.passesThreshold) return 'above-threshold';
  return rank !== null && rank <= villageQuota ? 'selected' : 'beyond-quota';
}

// ---------------------------------------------------------------- area figures and weights

export const AREA_LEVELS = ['region', 'commune', 'village'] as const;
export type AreaLevel = (typeof AREA_LEVELS)[number];

/** An area's population and poverty rate (percent of people below the poverty line), when known. */
export interface AreaFigures {
  population: number | null;
  povertyRate: number | null;
  /** Households of the register in the area (all, eligible or not). */
  registered: number;
}

export interface FilledFigures {
  population: number;
  povertyRate: number;
  /** True when population or poverty rate were estimated because the geography lacks them. */
  estimated: boolean;
}

/**
 * Areas the geography gives no figures for still count: such an area is taken to be as populous as
 * its share of the register says (its registered households × the persons per registered household of
 * its siblings with figures), with its parent's poverty rate.
 */
export function fillFigures(siblings: readonly AreaFigures[], parentPovertyRate: number): FilledFigures[] {
  let knownPopulation = 0;
  let knownRegistered = 0;
  for (const s of siblings) {
    if (s.population !== null) {
      knownPopulation += s.population;
      knownRegistered += s.registered;
    }
  }
  const perHousehold = knownRegistered > 0 ? knownPopulation / knownRegistered : 1;
  return siblings.map((s) => ({
    population: s.population ?? s.registered * perHousehold,
    povertyRate: s.povertyRate ?? parentPovertyRate,
    estimated: s.population === null || s.povertyRate === null,
  }));
}

/** An area's weight in the quotas: its poor people, population × poverty rate. */
export function areaWeight(f: { population: number; povertyRate: number }): number {
  return (f.population * f.povertyRate) / 100;
}

/** Population-weighted mean poverty rate of areas (a region's, from its communes). */
export function meanPovertyRate(areas: readonly { population: number; povertyRate: number }[], fallback: number): number {
  const population = areas.reduce((s, a) => s + a.population, 0);
  return population > 0 ? areas.reduce((s, a) => s + a.population * a.povertyRate, 0) / population : fallback;
}

// ---------------------------------------------------------------- quota allocation

export interface AllocationArea {
  code: string;
  weight: number;
  /** Eligible households: an area's quota never exceeds them. */
  eligible: number;
  /** A quota set by hand; the others share what is left. */
  fixed?: number | null;
}

export interface Allocation {
  code: string;
  quota: number;
  overridden: boolean;
}

/**
 * Shares `total` among areas: proportional to weight, whole numbers by largest remainder, each area
 * capped at its eligible households with the surplus re-spread over areas with room (repeated until
 * nothing is over), hand-set quotas kept. The quotas sum to exactly min(total, Σ eligible): hand-set
 * quotas give way only when that sum could not be met otherwise (they ask for more than there is, or
 * the other areas are full).
 * Deterministic: ties go to the area whose code sorts first.
 */
export function allocate(total: number, areas: readonly AllocationArea[]): Allocation[] {
  if (!Number.isInteger(total) || total < 0) throw new RangeError('A quota total is a whole number ≥ 0.');
  const eligibleTotal = areas.reduce((s, a) => s + a.eligible, 0);
  const target = Math.min(total, eligibleTotal);
  const quotas = new Map<string, number>();
  const fixedAreas = areas.filter((a) => a.fixed !== null && a.fixed !== undefined);
  const freeAreas = areas.filter((a) => a.fixed === null || a.fixed === undefined);
  const fixedWanted = fixedAreas.map((a) => ({ code: a.code, weight: Math.min(a.fixed!, a.eligible), cap: Math.min(a.fixed!, a.eligible) }));
  const fixedSum = fixedWanted.reduce((s, a) => s + a.cap, 0);
  if (fixedSum > target) {
    // Hand-set quotas asking more than there is: they share it in proportion to what they asked.
    for (const [code, q] of spread(target, fixedWanted)) quotas.set(code, q);
    for (const a of freeAreas) quotas.set(a.code, 0);
  } else {
    for (const a of fixedWanted) quotas.set(a.code, a.cap);
    const free = freeAreas.map((a) => ({ code: a.code, weight: a.weight, cap: a.eligible }));
    let given = fixedSum;
    for (const [code, q] of spread(target - fixedSum, free)) {
      quotas.set(code, q);
      given += q;
    }
    // The other areas are full: hand-set quotas give way (upwards) rather than leave the sum short.
    if (given < target) {
      const room = fixedAreas.map((a) => ({ code: a.code, weight: a.weight, cap: a.eligible - quotas.get(a.code)! }));
      for (const [code, extra] of spread(target - given, room)) quotas.set(code, quotas.get(code)! + extra);
    }
  }
  return areas.map((a) => ({ code: a.code, quota: quotas.get(a.code) ?? 0, overridden: a.fixed !== null && a.fixed !== undefined }));
}

interface Capped {
  code: string;
  weight: number;
  cap: number;
}

/** Water-filling with caps, then largest remainder. `total` must not exceed Σ caps. */
function spread(total: number, areas: readonly Capped[]): Map<string, number> {
  const result = new Map<string, number>(areas.map((a) => [a.code, 0]));
  let remaining = total;
  let open = areas.filter((a) => a.cap > 0);
  // An area whose proportional share reaches its cap takes the cap; the rest is shared again.
  for (;;) {
    if (remaining <= 0 || open.length === 0) return result;
    const positive = open.some((a) => a.weight > 0);
    // Areas without weight (no figures, no poor) take part only once the others are full, by their eligible.
    const weightOf = (a: Capped) => (positive ? Math.max(a.weight, 0) : a.cap);
    const candidates = positive ? open.filter((a) => a.weight > 0) : open;
    const sum = candidates.reduce((s, a) => s + weightOf(a), 0);
    const full = candidates.filter((a) => (remaining * weightOf(a)) / sum >= a.cap);
    if (full.length === 0) {
      // Nobody reaches a cap, so the shares sum to what remains: floors, then one more to the largest remainders.
      const shares = candidates.map((a) => ({ code: a.code, exact: (remaining * weightOf(a)) / sum }));
      let given = 0;
      for (const s of shares) {
        result.set(s.code, Math.floor(s.exact));
        given += Math.floor(s.exact);
      }
      const fraction = (s: { exact: number }) => s.exact - Math.floor(s.exact);
      shares.sort((x, y) => fraction(y) - fraction(x) || (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
      for (let i = 0; given < remaining; i++, given++) result.set(shares[i]!.code, result.get(shares[i]!.code)! + 1);
      return result;
    }
    for (const a of full) {
      result.set(a.code, a.cap);
      remaining -= a.cap;
    }
    open = open.filter((a) => !full.includes(a));
  }
}

// ---------------------------------------------------------------- the three levels

export interface VillageInput {
  regionCode: string;
  communeCode: string;
  village: string;
  weight: number;
  eligible: number;
}

export interface QuotaOverride {
  level: AreaLevel;
  /** Region or commune code, or the village's name. */
  code: string;
  /** The village's commune (villages only). */
  communeCode?: string;
  quota: number;
}

export interface AreaQuota {
  level: AreaLevel;
  regionCode: string;
  communeCode: string | null;
  village: string | null;
  weight: number;
  eligible: number;
  quota: number;
  overridden: boolean;
}

/** The key of an override or a quota: one string per area. */
export function areaKey(level: AreaLevel, code: string, communeCode?: string | null): string {
  return level === 'village' ? `village:${communeCode ?? ''}/${code}` : `${level}:${code}`;
}

/**
 * Quotas from the target down to villages: regions share the target (weight: their communes'),
 * each region's quota is shared by its communes (their own weights), each commune's by its villages.
 * Every level sums to min(target, eligible households).
 */
export function allocateQuotas(
  target: number,
  input: { regionWeights: ReadonlyMap<string, number>; communeWeights: ReadonlyMap<string, number>; villages: readonly VillageInput[] },
  overrides: readonly QuotaOverride[] = [],
): AreaQuota[] {
  const fixed = new Map(overrides.map((o) => [areaKey(o.level, o.code, o.communeCode), o.quota]));
  const regions = new Map<string, Map<string, VillageInput[]>>();
  for (const v of input.villages) {
    const communes = regions.get(v.regionCode) ?? new Map<string, VillageInput[]>();
    regions.set(v.regionCode, communes);
    const list = communes.get(v.communeCode) ?? [];
    list.push(v);
    communes.set(v.communeCode, list);
  }
  const sum = (list: readonly { eligible: number }[]) => list.reduce((s, v) => s + v.eligible, 0);
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: AreaQuota[] = [];

  const regionList = sorted(regions).map(([code, communes]) => ({ code, communes, eligible: sum([...communes.values()].flat()) }));
  const regionQuotas = allocate(
    target,
    regionList.map((r) => ({ code: r.code, weight: input.regionWeights.get(r.code) ?? 0, eligible: r.eligible, fixed: fixed.get(areaKey('region', r.code)) ?? null })),
  );
  regionList.forEach((region, ri) => {
    const rq = regionQuotas[ri]!;
    out.push({ level: 'region', regionCode: region.code, communeCode: null, village: null, weight: input.regionWeights.get(region.code) ?? 0, eligible: region.eligible, quota: rq.quota, overridden: rq.overridden });
    const communeList = sorted(region.communes).map(([code, villages]) => ({ code, villages, eligible: sum(villages) }));
    const communeQuotas = allocate(
      rq.quota,
      communeList.map((c) => ({ code: c.code, weight: input.communeWeights.get(c.code) ?? 0, eligible: c.eligible, fixed: fixed.get(areaKey('commune', c.code)) ?? null })),
    );
    communeList.forEach((commune, ci) => {
      const cq = communeQuotas[ci]!;
      out.push({ level: 'commune', regionCode: region.code, communeCode: commune.code, village: null, weight: input.communeWeights.get(commune.code) ?? 0, eligible: commune.eligible, quota: cq.quota, overridden: cq.overridden });
      const villages = [...commune.villages].sort((a, b) => (a.village < b.village ? -1 : a.village > b.village ? 1 : 0));
      const villageQuotas = allocate(
        cq.quota,
        villages.map((v) => ({ code: v.village, weight: v.weight, eligible: v.eligible, fixed: fixed.get(areaKey('village', v.village, commune.code)) ?? null })),
      );
      villages.forEach((v, vi) => {
        const vq = villageQuotas[vi]!;
        out.push({ level: 'village', regionCode: region.code, communeCode: commune.code, village: v.village, weight: v.weight, eligible: v.eligible, quota: vq.quota, overridden: vq.overridden });
      });
    });
  });
  return out;
}

// ---------------------------------------------------------------- runs

export const TARGETING_RUN_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type TargetingRunStatus = (typeof TARGETING_RUN_STATUSES)[number];

/** Steps of a run, in order, as progress events name them. */
export const TARGETING_RUN_STEPS = ['counting', 'allocating', 'ranking', 'completed', 'failed'] as const;
export type TargetingRunStep = (typeof TARGETING_RUN_STEPS)[number];
