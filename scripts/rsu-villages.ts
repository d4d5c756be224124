// The villages of each commune, as the synthetic register and the villages seed file both know them:
// names fixed per commune code (whatever the register's seed), the first ones the most populated.
import { Rng, hashString } from './rsu-random';
import { VILLAGE_SYLLABLES, VILLAGE_SYLLABLES_BY_ZONE, ZONE_BY_REGION } from './rsu-names';

/** How strongly households gather in a commune's first villages: village i of n is drawn as floor(u^SKEW · n). */
const SKEW = 1.5;

/** The commune's villages, most populated first; the same list for the same commune code, always. */
export function communeVillages(communeCode: string, regionCode: string): string[] {
  const zone = ZONE_BY_REGION[regionCode] ?? 'bambara';
  const vr = new Rng(hashString(`${communeCode}/villages`));
  const { heads, tails } = VILLAGE_SYLLABLES[VILLAGE_SYLLABLES_BY_ZONE[zone]];
  const names = new Set<string>();
  const wanted = 6 + vr.int(25);
  for (let tries = 0; names.size < wanted && tries < wanted * 10; tries++) {
    let name = vr.pick(heads) + vr.pick(tails);
    if (zone !== 'north' && zone !== 'kidal' && vr.chance(0.08)) name += ' Coura';
    names.add(name);
  }
  return [...names];
}

/** The village a household of the commune lives in, from a uniform draw u in [0, 1). */
export function pickVillage(villages: readonly string[], u: number): string {
  return villages[Math.floor(u ** SKEW * villages.length)]!;
}

/** Expected share of the commune's households in village `index` of `count` under pickVillage. */
export function villageShare(index: number, count: number): number {
  return ((index + 1) / count) ** (1 / SKEW) - (index / count) ** (1 / SKEW);
}
