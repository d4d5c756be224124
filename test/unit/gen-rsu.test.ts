import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { isValidPhoneNumber } from 'libphonenumber-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NINA_PATTERN, REGISTER_COLUMNS, RSU_ID_PATTERN, RSU_REGIONS, SEXES, type RegisterColumn } from '../../domain/register';
import { DEFAULT_GEOGRAPHY_FILE, generateRegister, loadGeography, type Defect, type GenerateSummary } from '../../scripts/gen-rsu';

const HOUSEHOLDS = 2_000;
const SEED = 'unit-test';
const RATES = { malformed: 0.05, duplicates: 0.03 };
const COLUMN = Object.fromEntries(REGISTER_COLUMNS.map((c, i) => [c, i])) as Record<RegisterColumn, number>;
const communes = loadGeography().codes;
const quiet = () => {};

/** A plain re-parse of one row by the rules of domain/register.ts: the defect it finds first, or null. */
function defectOf(cells: string[]): Defect | 'other' | null {
  if (cells.length !== REGISTER_COLUMNS.length) return 'missing_column';
  const cell = (column: RegisterColumn) => cells[COLUMN[column]] ?? '';
  if (!RSU_ID_PATTERN.test(cell('rsu_id'))) return 'rsu_id';
  if (!communes.has(cell('commune_code'))) return 'commune_code';
  if (!/^\d{4}$/.test(cell('birth_year'))) return 'birth_year_format';
  if (Number(cell('birth_year')) < 1900 || Number(cell('birth_year')) > 2010) return 'birth_year_range';
  if (!(SEXES as readonly string[]).includes(cell('sex'))) return 'sex';
  if (!/^\d+$/.test(cell('household_size'))) return 'household_size_format';
  if (Number(cell('household_size')) < 1) return 'household_size_zero';
  if (cell('nina') && !NINA_PATTERN.test(cell('nina'))) return 'nina';
  if (cell('phone') && !isValidPhoneNumber(cell('phone'), 'ML')) return 'phone';
  if (!['food_insecure', 'covid_case', 'covid_hit'].every((f) => ['true', 'false'].includes(cell(f as RegisterColumn)))) return 'flag';
  const welfare = cell('welfare_score');
  if (welfare && !(/^\d+(\.\d+)?$/.test(welfare) && Number(welfare) <= 100)) return 'welfare_score';
  if (!cell('head_name') || !cell('village') || Number(cell('household_size')) > 25) return 'other';
  return null;
}

function countDefects(rows: string[][]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const row of rows) {
    const defect = defectOf(row);
    if (defect) found[defect] = (found[defect] ?? 0) + 1;
  }
  return found;
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
const readCsv = async (file: string) =>
  parse(await readFile(file, 'utf8'), { relax_column_count: true }) as string[][];

describe('db/seed/geography.csv', () => {
  it('has the communes of each RSU region, and the six of Bamako', () => {
    const { communesByRegion, codes } = loadGeography(DEFAULT_GEOGRAPHY_FILE);
    for (const region of RSU_REGIONS) expect(communesByRegion.get(region.code)?.length, region.name).toBe(region.communes);
    expect(communesByRegion.get('BKO')?.map((c) => c.name)).toEqual(['Commune I', 'Commune II', 'Commune III', 'Commune IV', 'Commune V', 'Commune VI']);
    expect(codes.size).toBe(613 + 6);
    for (const code of codes) expect(code).toMatch(/^[A-Z]{3}-\d{3}$/);
  });
});

describe('scripts/gen-rsu', () => {
  let dir: string;
  let csvFile: string;
  let csv: GenerateSummary;
  let header: string[];
  let rows: string[][];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jigi-gen-rsu-'));
    csvFile = join(dir, 'rsu.csv');
    csv = await generateRegister({ households: HOUSEHOLDS, out: csvFile, seed: SEED, ...RATES, log: quiet });
    [header = [], ...rows] = await readCsv(csvFile);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes the header and one row per household', () => {
    expect(header).toEqual([...REGISTER_COLUMNS]);
    expect(rows).toHaveLength(HOUSEHOLDS);
    expect(csv.rows).toBe(HOUSEHOLDS);
    expect(rows[0]?.[0]).toBe(csv.firstRsuId);
  });

  it('spreads households over the regions like the RSU of April 2020', () => {
    const total = RSU_REGIONS.reduce((s, r) => s + r.households, 0);
    const valid = rows.filter((r) => defectOf(r) === null);
    for (const region of RSU_REGIONS) {
      const share = valid.filter((r) => r[COLUMN.commune_code]?.startsWith(`${region.code}-`)).length / valid.length;
      expect(Math.abs(share - region.households / total) * 100, region.name).toBeLessThan(3);
    }
  });

  it('writes exactly the malformed rows it reports, one defect each', () => {
    expect(csv.malformedRows).toBeGreaterThan(0);
    expect(Object.values(csv.malformed).reduce((s, n) => s + n, 0)).toBe(csv.malformedRows);
    const found = countDefects(rows);
    expect(found.other).toBeUndefined();
    expect(found).toEqual(nonZero(csv.malformed));
  });

  it('writes the duplicates it reports: each NINA and phone re-use points at an earlier row', () => {
    const seenNina = new Set<string>();
    const seenPhone = new Set<string>();
    let ninaRepeats = 0;
    let phoneRepeats = 0;
    for (const row of rows.filter((r) => defectOf(r) === null)) {
      const nina = row[COLUMN.nina] ?? '';
      const phone = (row[COLUMN.phone] ?? '').replace(/\D/g, '').slice(-8);
      if (nina && seenNina.has(nina)) ninaRepeats++;
      if (phone && seenPhone.has(phone)) phoneRepeats++;
      seenNina.add(nina);
      seenPhone.add(phone);
    }
    expect(ninaRepeats).toBe(csv.duplicates.nina);
    expect(phoneRepeats).toBe(csv.duplicates.phone);
    expect(csv.duplicateRows).toBeGreaterThan(0);
    const ids = rows.map((r) => r[0] ?? '').filter((id) => RSU_ID_PATTERN.test(id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes the same file for the same seed, another for another seed', async () => {
    const again = join(dir, 'again.csv');
    const other = join(dir, 'other.csv');
    await generateRegister({ households: HOUSEHOLDS, out: again, seed: SEED, ...RATES, log: quiet });
    await generateRegister({ households: HOUSEHOLDS, out: other, seed: `${SEED}-2`, ...RATES, log: quiet });
    const first = await readFile(csvFile);
    expect((await readFile(again)).equals(first)).toBe(true);
    expect((await readFile(other)).equals(first)).toBe(false);
  });

  it('writes NDJSON with the same keys, typed values and the same households', async () => {
    const file = join(dir, 'rsu.ndjson');
    const summary = await generateRegister({ households: HOUSEHOLDS, out: file, seed: SEED, ...RATES, log: quiet });
    expect(summary.format).toBe('ndjson');
    expect(summary.malformed.missing_column).toBe(0);
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(HOUSEHOLDS);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const record of records) expect(Object.keys(record)).toEqual([...REGISTER_COLUMNS]);
    const asCells = records.map((r) => REGISTER_COLUMNS.map((c) => (r[c] === null ? '' : String(r[c]))));
    expect(countDefects(asCells)).toEqual(nonZero(summary.malformed));
    const clean = records.filter((_, i) => defectOf(asCells[i]!) === null);
    for (const r of clean) {
      expect(typeof r.birth_year).toBe('number');
      expect(typeof r.household_size).toBe('number');
      expect(typeof r.food_insecure).toBe('boolean');
      expect(r.welfare_score === null || typeof r.welfare_score === 'number').toBe(true);
      expect(r.nina === null || typeof r.nina === 'string').toBe(true);
    }
    // The same households as the CSV file, row by row, wherever neither row is malformed.
    let compared = 0;
    records.forEach((r, i) => {
      const row = rows[i]!;
      if (defectOf(asCells[i]!) !== null || defectOf(row) !== null) return;
      compared++;
      expect([r.rsu_id, r.head_name, r.commune_code]).toEqual([row[0], row[1], row[COLUMN.commune_code]]);
    });
    expect(compared).toBeGreaterThan(HOUSEHOLDS * 0.85);
  });

  it('writes an update file: changed households keep their rsu_id, new ones come after the base ids', async () => {
    const file = join(dir, 'update.csv');
    const summary = await generateRegister({ households: 500, out: file, seed: SEED, ...RATES, updateOf: csvFile, log: quiet });
    expect(summary.update?.baseRows).toBe(HOUSEHOLDS);
    expect(summary.update!.modified + summary.update!.added).toBe(500);
    expect(summary.update!.modified / 500).toBeGreaterThan(0.5);
    expect(summary.update!.modified / 500).toBeLessThan(0.7);
    const [updateHeader, ...updates] = await readCsv(file);
    expect(updateHeader).toEqual([...REGISTER_COLUMNS]);
    expect(countDefects(updates)).toEqual(nonZero(summary.malformed));
    const base = new Map(rows.filter((r) => defectOf(r) === null).map((r) => [r[0], r]));
    const lastBaseId = Number(csv.firstRsuId.slice(4)) + HOUSEHOLDS - 1;
    const changeable = new Set<RegisterColumn>(['phone', 'household_size', 'food_insecure', 'covid_case', 'covid_hit']);
    let modified = 0;
    for (const row of updates.filter((r) => defectOf(r) === null)) {
      const before = base.get(row[0]);
      if (!before) {
        expect(Number(row[0]?.slice(4))).toBeGreaterThan(lastBaseId);
        continue;
      }
      modified++;
      const changed = REGISTER_COLUMNS.filter((c, i) => row[i] !== before[i]);
      expect(changed.length).toBeGreaterThan(0);
      for (const column of changed) expect(changeable.has(column), column).toBe(true);
    }
    expect(modified).toBeLessThanOrEqual(summary.update!.modified);
    expect(modified).toBeGreaterThanOrEqual(summary.update!.modified - summary.malformedRows);
  });

  it('refuses an update of a file made with another seed', async () => {
    await expect(generateRegister({ households: 10, out: join(dir, 'x.csv'), seed: 'another', updateOf: csvFile, log: quiet })).rejects.toThrow(
      /not generated with this --seed/,
    );
  });
});
