import { describe, expect, it } from 'vitest';
import {
  allocate,
  allocateQuotas,
  assessHousehold,
  DEFAULT_TARGETING_RULES,
  fillFigures,
  outcomeOf,
  ruleProblems,
  type AllocationArea,
  type TargetingRules,
  type VillageInput,
} from '../../domain/targeting';

/** mulberry32, so every generated case can be replayed from its seed. */
function rng(seed: number) {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomAreas(next: () => number, n: number): AllocationArea[] {
  return Array.from({ length: n }, (_, i) => ({
    code: `A${String(i).padStart(3, '0')}`,
    weight: next() < 0.1 ? 0 : Math.round(next() * 100_000) / 10,
    eligible: next() < 0.1 ? 0 : Math.floor(next() * 500),
  }));
}

const sumOf = (list: readonly { quota: number }[]) => list.reduce((s, a) => s + a.quota, 0);

describe('quota allocation (one level)', () => {
  it('sums exactly to min(target, eligible) and never gives an area more than its eligible households, for 500 random cases', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const next = rng(seed);
      const areas = randomAreas(next, 1 + Math.floor(next() * 40));
      const eligible = areas.reduce((s, a) => s + a.eligible, 0);
      const target = Math.floor(next() * eligible * 1.3);
      const quotas = allocate(target, areas);
      expect(sumOf(quotas), `seed ${seed}`).toBe(Math.min(target, eligible));
      quotas.forEach((q, i) => {
        expect(q.quota, `seed ${seed} ${q.code}`).toBeLessThanOrEqual(areas[i]!.eligible);
        expect(Number.isInteger(q.quota) && q.quota >= 0).toBe(true);
      });
      expect(allocate(target, areas), 'same input, same quotas').toEqual(quotas);
    }
  });

  it('is proportional to weight within one household where no cap binds', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = rng(seed * 7);
      const areas = randomAreas(next, 2 + Math.floor(next() * 30)).map((a) => ({ ...a, weight: a.weight + 1, eligible: 1_000_000 }));
      const target = Math.floor(next() * 100_000);
      const totalWeight = areas.reduce((s, a) => s + a.weight, 0);
      allocate(target, areas).forEach((q, i) => {
        expect(Math.abs(q.quota - (target * areas[i]!.weight) / totalWeight), `seed ${seed}`).toBeLessThan(1);
      });
    }
  });

  it('gives a capped area its eligible households and spreads its surplus over the others by weight', () => {
    const quotas = allocate(100, [
      { code: 'a', weight: 50, eligible: 10 },
      { code: 'b', weight: 30, eligible: 1000 },
      { code: 'c', weight: 20, eligible: 1000 },
    ]);
    // a would get 50 but has 10; b and c share 90 as 3:2.
    expect(quotas.map((q) => q.quota)).toEqual([10, 54, 36]);
  });

  it('repeats the spreading when the surplus fills another area', () => {
    const quotas = allocate(100, [
      { code: 'a', weight: 60, eligible: 10 },
      { code: 'b', weight: 30, eligible: 40 },
      { code: 'c', weight: 10, eligible: 1000 },
    ]);
    // a: 10 (cap); 90 left: b would take 67.5 > 40 → 40; c takes 50.
    expect(quotas.map((q) => q.quota)).toEqual([10, 40, 50]);
  });

  it('breaks equal remainders by area code, the same way every time', () => {
    const areas = ['c', 'a', 'b'].map((code) => ({ code, weight: 1, eligible: 10 }));
    expect(allocate(4, areas).map((q) => [q.code, q.quota])).toEqual([
      ['c', 1],
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('gives areas without weight (no figures) households only once the others are full', () => {
    const quotas = allocate(30, [
      { code: 'a', weight: 10, eligible: 20 },
      { code: 'b', weight: 0, eligible: 6 },
      { code: 'c', weight: 0, eligible: 12 },
    ]);
    expect(quotas.map((q) => q.quota)).toEqual([20, 3, 7]);
  });

  it('keeps a hand-set quota and re-spreads the rest; caps the hand-set quota at the eligible households', () => {
    const areas = [
      { code: 'a', weight: 1, eligible: 100, fixed: 70 },
      { code: 'b', weight: 1, eligible: 100 },
      { code: 'c', weight: 3, eligible: 100 },
      { code: 'd', weight: 5, eligible: 5, fixed: 20 },
    ];
    const quotas = allocate(100, areas);
    expect(quotas.map((q) => [q.quota, q.overridden])).toEqual([
      [70, true],
      [6, false],
      [19, false],
      [5, true],
    ]);
  });

  it('shares the target among hand-set quotas in proportion when they ask for more than there is', () => {
    const quotas = allocate(90, [
      { code: 'a', weight: 1, eligible: 100, fixed: 60 },
      { code: 'b', weight: 1, eligible: 100, fixed: 60 },
      { code: 'c', weight: 1, eligible: 100 },
    ]);
    expect(quotas.map((q) => q.quota)).toEqual([45, 45, 0]);
  });
});

function randomCountry(seed: number): { villages: VillageInput[]; regionWeights: Map<string, number>; communeWeights: Map<string, number> } {
  const next = rng(seed);
  const villages: VillageInput[] = [];
  const regionWeights = new Map<string, number>();
  const communeWeights = new Map<string, number>();
  for (let r = 0; r < 1 + Math.floor(next() * 5); r++) {
    const region = `R${r}`;
    for (let c = 0; c < 1 + Math.floor(next() * 6); c++) {
      const commune = `${region}-${c}`;
      const w = next() * 1000;
      communeWeights.set(commune, w);
      regionWeights.set(region, (regionWeights.get(region) ?? 0) + w);
      for (let v = 0; v < 1 + Math.floor(next() * 8); v++) {
        villages.push({ regionCode: region, communeCode: commune, village: `V${v}`, weight: next() * 100, eligible: Math.floor(next() * 60) });
      }
    }
  }
  return { villages, regionWeights, communeWeights };
}

describe('quotas from the target to regions, communes and villages', () => {
  it('sum to the target (or every eligible household) at each level, and each area to its parent, for 200 random countries', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const country = randomCountry(seed);
      const eligible = country.villages.reduce((s, v) => s + v.eligible, 0);
      const target = Math.floor(rng(seed + 1)() * eligible * 1.2);
      const quotas = allocateQuotas(target, country);
      const expected = Math.min(target, eligible);
      for (const level of ['region', 'commune', 'village'] as const) expect(sumOf(quotas.filter((q) => q.level === level)), `seed ${seed} ${level}`).toBe(expected);
      for (const q of quotas) expect(q.quota).toBeLessThanOrEqual(q.eligible);
      for (const region of quotas.filter((q) => q.level === 'region')) {
        expect(sumOf(quotas.filter((q) => q.level === 'commune' && q.regionCode === region.regionCode))).toBe(region.quota);
      }
      for (const commune of quotas.filter((q) => q.level === 'commune')) {
        expect(sumOf(quotas.filter((q) => q.level === 'village' && q.communeCode === commune.communeCode))).toBe(commune.quota);
      }
      expect(allocateQuotas(target, country)).toEqual(quotas);
    }
  });

  it('respects hand-set quotas of a region, a commune and a village, and re-spreads the rest', () => {
    const village = (regionCode: string, communeCode: string, name: string, weight: number, eligible: number): VillageInput => ({ regionCode, communeCode, village: name, weight, eligible });
    const country = {
      regionWeights: new Map([
        ['R0', 200],
        ['R1', 100],
      ]),
      communeWeights: new Map([
        ['R0-0', 100],
        ['R0-1', 100],
        ['R1-0', 100],
      ]),
      villages: [village('R0', 'R0-0', 'V0', 10, 50), village('R0', 'R0-0', 'V1', 10, 50), village('R0', 'R0-0', 'V2', 80, 50), village('R0', 'R0-1', 'V0', 1, 100), village('R1', 'R1-0', 'V0', 1, 100)],
    };
    const quotas = allocateQuotas(150, country, [
      { level: 'region', code: 'R1', quota: 20 },
      { level: 'commune', code: 'R0-0', quota: 100 },
      { level: 'village', code: 'V2', communeCode: 'R0-0', quota: 10 },
    ]);
    expect(quotas.map((q) => [q.village ?? q.communeCode ?? q.regionCode, q.quota, q.overridden])).toEqual([
      ['R0', 130, false],
      ['R0-0', 100, true],
      ['V0', 45, false],
      ['V1', 45, false],
      ['V2', 10, true],
      ['R0-1', 30, false],
      ['V0', 30, false],
      ['R1', 20, true],
      ['R1-0', 20, false],
      ['V0', 20, false],
    ]);
  });

  it('still sums exactly with random hand-set quotas anywhere', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const country = randomCountry(seed);
      const next = rng(seed + 99);
      const eligible = country.villages.reduce((s, v) => s + v.eligible, 0);
      const target = Math.floor(next() * eligible);
      const overrides = country.villages
        .filter(() => next() < 0.3)
        .map((v) => {
          const level = (['region', 'commune', 'village'] as const)[Math.floor(next() * 3)]!;
          const code = level === 'region' ? v.regionCode : level === 'commune' ? v.communeCode : v.village;
          return { level, code, communeCode: v.communeCode, quota: Math.floor(next() * 80) };
        });
      const quotas = allocateQuotas(target, country, overrides);
      for (const level of ['region', 'commune', 'village'] as const) expect(sumOf(quotas.filter((q) => q.level === level)), `seed ${seed} ${level}`).toBe(target);
      for (const q of quotas) expect(q.quota).toBeLessThanOrEqual(q.eligible);
    }
  });
});

describe('targeting rules', () => {
  const household = { householdSize: 8, foodInsecure: true, covidCase: false, covidHit: true, welfareScore: 22 };

  it('the defaults are usable and take any of the three criteria with a threshold', () => {
    expect(ruleProblems(DEFAULT_TARGETING_RULES)).toEqual([]);
    expect(DEFAULT_TARGETING_RULES.criteria).toEqual(['foodInsecure', 'covidCase', 'covidHit']);
  });

  it('need = (100 − score) × size weight + points of the criteria met', () => {
    const a = assessHousehold(DEFAULT_TARGETING_RULES, household);
    expect(a).toMatchObject({ criteriaMet: ['foodInsecure', 'covidHit'], eligible: true, sizeWeight: 1.2, criterionPoints: 30 });
    expect(a.need).toBeCloseTo(78 * 1.2 + 30, 10);
  });

  it('a household without a score is assessed with the stated default, and says so', () => {
    const a = assessHousehold(DEFAULT_TARGETING_RULES, { ...household, welfareScore: null });
    expect(a).toMatchObject({ welfareScore: 50, welfareScoreKnown: false, passesThreshold: true });
    expect(assessHousehold({ ...DEFAULT_TARGETING_RULES, unknownWelfareScore: 80 }, { ...household, welfareScore: null }).passesThreshold).toBe(false);
  });

  it('"all" needs every chosen criterion; "any" needs one; criteria not chosen neither count nor score', () => {
    const all: TargetingRules = { ...DEFAULT_TARGETING_RULES, match: 'all', criteria: ['foodInsecure', 'covidCase'] };
    expect(assessHousehold(all, household).meetsCriteria).toBe(false);
    expect(assessHousehold(all, { ...household, covidCase: true }).meetsCriteria).toBe(true);
    const onlyCase: TargetingRules = { ...DEFAULT_TARGETING_RULES, criteria: ['covidCase'] };
    expect(assessHousehold(onlyCase, household)).toMatchObject({ meetsCriteria: false, criterionPoints: 0, eligible: false });
  });

  it('outcomes: criteria first, then the threshold, then the rank against the village quota', () => {
    expect(outcomeOf({ meetsCriteria: false, passesThreshold: false }, null, 10)).toBe('no-criterion');
    expect(outcomeOf({ meetsCriteria: true, passesThreshold: false }, null, 10)).toBe('above-threshold');
    expect(outcomeOf({ meetsCriteria: true, passesThreshold: true }, 10, 10)).toBe('selected');
    expect(outcomeOf({ meetsCriteria: true, passesThreshold: true }, 11, 10)).toBe('beyond-quota');
  });

  it('refuses unusable rules with the field and a reason', () => {
    const bad: TargetingRules = {
      ...DEFAULT_TARGETING_RULES,
      criteria: [],
      maxWelfareScore: 140,
      sizeWeights: [
        { minSize: 2, weight: 1 },
        { minSize: 2, weight: 0 },
      ],
      criterionPoints: { ...DEFAULT_TARGETING_RULES.criterionPoints, covidCase: -1 },
    };
    expect(ruleProblems(bad).map((p) => p.field)).toEqual(['criteria', 'maxWelfareScore', 'sizeWeights', 'sizeWeights.1.minSize', 'sizeWeights.1.weight', 'criterionPoints.covidCase']);
  });
});

describe('areas without figures', () => {
  it('are as populous as their share of the register says, with their parent’s poverty rate', () => {
    const filled = fillFigures(
      [
        { population: 1000, povertyRate: 40, registered: 100 },
        { population: null, povertyRate: null, registered: 30 },
        { population: 500, povertyRate: null, registered: 100 },
      ],
      55,
    );
    // Known: 1500 people for 200 registered households, so 7.5 a household.
    expect(filled).toEqual([
      { population: 1000, povertyRate: 40, estimated: false },
      { population: 225, povertyRate: 55, estimated: true },
      { population: 500, povertyRate: 55, estimated: true },
    ]);
  });
});
