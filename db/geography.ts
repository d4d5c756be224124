import { createReadStream, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import type { Database } from './client';
import { communes, regions, villages } from './schema';

export const GEOGRAPHY_CSV = fileURLToPath(new URL('./seed/geography.csv', import.meta.url));
export const VILLAGES_CSV = fileURLToPath(new URL('./seed/villages.csv', import.meta.url));

interface GeographyRow {
  region_code: string;
  region_name: string;
  cercle: string;
  commune_code: string;
  commune_name: string;
  population?: string;
  poverty_rate?: string;
}

interface VillageRow {
  commune_code: string;
  village: string;
  population?: string;
  poverty_rate?: string;
}

async function readCsv<T>(path: string): Promise<T[]> {
  const rows: T[] = [];
  for await (const row of createReadStream(path).pipe(parse({ columns: true, trim: true, bom: true, skip_empty_lines: true }))) rows.push(row as T);
  return rows;
}

/** Population and poverty rate are optional columns: empty means unknown, anything else must be a number in range. */
function figures(row: { population?: string; poverty_rate?: string }, where: string): { population: number | null; povertyRate: number | null } {
  const population = row.population ? Number(row.population) : null;
  const povertyRate = row.poverty_rate ? Number(row.poverty_rate) : null;
  if (population !== null && !(Number.isInteger(population) && population >= 0)) throw new Error(`${where}: population "${row.population}" is not a whole number ≥ 0`);
  if (povertyRate !== null && !(povertyRate >= 0 && povertyRate <= 100)) throw new Error(`${where}: poverty_rate "${row.poverty_rate}" is not a percentage`);
  return { population, povertyRate };
}

async function upsertInBatches<T>(rows: T[], write: (batch: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += 1000) await write(rows.slice(i, i + 1000));
}

/**
 * Loads regions, communes (with their figures when the file has them) and villages from CSV files
 * (ours, or the official lists in the same columns); safe to rerun. Villages of a commune the
 * geography does not have are skipped and counted.
 */
export async function loadGeography(
  database: Database,
  path = GEOGRAPHY_CSV,
  villagesPath: string | null = VILLAGES_CSV,
): Promise<{ regions: number; communes: number; villages: number; villagesSkipped: number }> {
  const rows = await readCsv<GeographyRow>(path);
  const regionRows = [...new Map(rows.map((r) => [r.region_code, { code: r.region_code, name: r.region_name }])).values()];
  const communeRows = rows.map((r, i) => ({ code: r.commune_code, regionCode: r.region_code, cercle: r.cercle, name: r.commune_name, ...figures(r, `${path} row ${i + 2}`) }));
  const known = new Set(communeRows.map((c) => c.code));
  const villageFile = villagesPath && existsSync(villagesPath) ? await readCsv<VillageRow>(villagesPath) : [];
  const villageRows = villageFile
    .map((r, i) => ({ communeCode: r.commune_code, name: r.village, ...figures(r, `${villagesPath} row ${i + 2}`) }))
    .filter((v) => known.has(v.communeCode) && v.name);
  await database.db.transaction(async (tx) => {
    await tx.insert(regions).values(regionRows).onConflictDoUpdate({ target: regions.code, set: { name: sql`excluded.name` } });
    await upsertInBatches(communeRows, (batch) =>
      tx
        .insert(communes)
        .values(batch)
        .onConflictDoUpdate({
          target: communes.code,
          set: { regionCode: sql`excluded.region_code`, cercle: sql`excluded.cercle`, name: sql`excluded.name`, population: sql`excluded.population`, povertyRate: sql`excluded.poverty_rate` },
        }),
    );
    await upsertInBatches(villageRows, (batch) =>
      tx
        .insert(villages)
        .values(batch)
        .onConflictDoUpdate({ target: [villages.communeCode, villages.name], set: { population: sql`excluded.population`, povertyRate: sql`excluded.poverty_rate` } }),
    );
  });
  return { regions: regionRows.length, communes: communeRows.length, villages: villageRows.length, villagesSkipped: villageFile.length - villageRows.length };
}
