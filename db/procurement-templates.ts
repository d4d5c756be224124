import { DEFAULT_TEMPLATES } from '../domain/procurement';
import type { Database } from './client';
import { procurementTemplates } from './schema';

/** The shipped chains as version 1, beside the geography; safe to rerun (an edited chain keeps its versions). */
export async function loadProcurementTemplates(database: Database): Promise<number> {
  const inserted = await database.db
    .insert(procurementTemplates)
    .values(DEFAULT_TEMPLATES.map((t) => ({ key: t.key, version: t.version, nameFr: t.name.fr, nameEn: t.name.en, steps: t.steps, createdBy: 'system' })))
    .onConflictDoNothing()
    .returning({ key: procurementTemplates.key });
  return inserted.length;
}
