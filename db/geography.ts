import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import type { Database } from './client';
import { communes, regions } from './schema';

export const GEOGRAPHY_CSV = fileURLToPath(new URL('./seed/geography.csv', import.meta.url));

interface GeographyRow {
  region_code: string;
  region_name: string;
  cercle: string;
  commune_code: string;
  commune_name: string;
}

/** Loads regions and communes from a CSV (ours, or the official list in the same columns); safe to rerun. */
export async function loadGeography(database: Database, path = GEOGRAPHY_CSV): Promise<{ regions: number; communes: number }> {
  const rows: GeographyRow[] = [];
  for await (const row of createReadStream(path).pipe(parse({ columns: true, trim: true, bom: true, skip_empty_lines: true }))) rows.push(row as GeographyRow);
  const regionRows = [...new Map(rows.map((r) => [r.region_code, { code: r.region_code, name: r.region_name }])).values()];
  const communeRows = rows.map((r) => ({ code: r.commune_code, regionCode: r.region_code, cercle: r.cercle, name: r.commune_name }));
  await database.db.transaction(async (tx) => {
    await tx.insert(regions).values(regionRows).onConflictDoUpdate({ target: regions.code, set: { name: sql`excluded.name` } });
    for (let i = 0; i < communeRows.length; i += 1000) {
      await tx
        .insert(communes)
        .values(communeRows.slice(i, i + 1000))
        .onConflictDoUpdate({ target: communes.code, set: { regionCode: sql`excluded.region_code`, cercle: sql`excluded.cercle`, name: sql`excluded.name` } });
    }
  });
  return { regions: regionRows.length, communes: communeRows.length };
}
