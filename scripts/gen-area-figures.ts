// Writes the synthetic area figures of the seed geography: population and poverty rate per commune
// (two columns of db/seed/geography.csv) and the villages of each commune with theirs
// (db/seed/villages.csv), from the same village names gen:rsu uses. Deterministic; safe to rerun.
// Usage: npm run gen:area-figures [-- --geography FILE --villages FILE]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Rng, hashString } from './rsu-random';
import { communeVillages, villageShare } from './rsu-villages';

export const GEOGRAPHY_FILE = fileURLToPath(new URL('../db/seed/geography.csv', import.meta.url));
export const VILLAGES_FILE = fileURLToPath(new URL('../db/seed/villages.csv', import.meta.url));

/**
 * Approximate regional figures (db/seed/README.md): population of the 2009 census (RGPH) grown by
 * about 3 % a year to 2020, and poverty rates of the order the EMOP household surveys report.
 */
export const REGION_FIGURES: Record<string, { population: number; povertyRate: number }> = {
  KAY: { population: 2_760_000, povertyRate: 35 },
  KOU: { population: 3_340_000, povertyRate: 41 },
  SIK: { population: 3_620_000, povertyRate: 55 },
  SEG: { population: 3_220_000, povertyRate: 48 },
  MOP: { population: 2_810_000, povertyRate: 62 },
  TOM: { population: 930_000, povertyRate: 45 },
  GAO: { population: 750_000, povertyRate: 38 },
  KID: { population: 93_000, povertyRate: 30 },
  BKO: { population: 2_500_000, povertyRate: 8 },
};

const round1 = (x: number) => Math.round(x * 10) / 10;
const clampRate = (x: number) => round1(Math.min(95, Math.max(2, x)));

/** A seat commune ("Commune urbaine de …", "Commune de …") is a town: more people, less poverty. */
const isTown = (name: string) => !/rurale/i.test(name);

type GeographyRow = Record<string, string>;

export function areaFigures(rows: GeographyRow[]) {
  const byRegion = new Map<string, GeographyRow[]>();
  for (const row of rows) byRegion.set(row.region_code!, [...(byRegion.get(row.region_code!) ?? []), row]);
  const communes: GeographyRow[] = [];
  const villages: Array<{ commune_code: string; village: string; population: number; poverty_rate: number }> = [];
  for (const [regionCode, list] of byRegion) {
    const region = REGION_FIGURES[regionCode] ?? { population: 100_000 * list.length, povertyRate: 45 };
    const draws = list.map((row) => {
      const rng = new Rng(hashString(`${row.commune_code}/figures`));
      return { row, size: (isTown(row.commune_name!) ? 3 : 1) * (0.5 + rng.next()), rng };
    });
    const total = draws.reduce((s, d) => s + d.size, 0);
    for (const { row, size, rng } of draws) {
      const population = Math.round((region.population * size) / total);
      const povertyRate = clampRate(region.povertyRate + (rng.next() - 0.5) * 16 - (isTown(row.commune_name!) ? 10 : 0));
      communes.push({ ...row, population: String(population), poverty_rate: String(povertyRate) });
      const names = communeVillages(row.commune_code!, regionCode);
      names.forEach((village, i) => {
        villages.push({
          commune_code: row.commune_code!,
          village,
          population: Math.round(population * villageShare(i, names.length)),
          poverty_rate: clampRate(povertyRate + (rng.next() - 0.5) * 10),
        });
      });
    }
  }
  return { communes, villages };
}

export function writeAreaFigures(geographyFile = GEOGRAPHY_FILE, villagesFile = VILLAGES_FILE) {
  const rows = parse(readFileSync(geographyFile, 'utf8'), { columns: true, skip_empty_lines: true, trim: true, bom: true }) as GeographyRow[];
  const { communes, villages } = areaFigures(rows);
  const columns = ['region_code', 'region_name', 'cercle', 'commune_code', 'commune_name', 'population', 'poverty_rate'];
  writeFileSync(geographyFile, stringify(communes, { header: true, columns }));
  writeFileSync(villagesFile, stringify(villages, { header: true, columns: ['commune_code', 'village', 'population', 'poverty_rate'] }));
  return { communes: communes.length, villages: villages.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { geography: { type: 'string' }, villages: { type: 'string' } } });
  const written = writeAreaFigures(values.geography, values.villages);
  process.stderr.write(`[area-figures] ${written.communes} communes, ${written.villages} villages\n`);
}
