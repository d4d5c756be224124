// `npm run bench:duplicates -- [--households N] [--update N] [--keep]`: duplicate detection after the
// import of a generated register (every household touched), then after an update file against the
// whole register. Last line: one JSON object. --keep leaves the database for a closer look.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDuplicateActivities, type DuplicateDetection } from '../activities/register/duplicates';
import { createRegisterImportActivities } from '../activities/register/import';
import { createDatabase } from '../db/client';
import { loadGeography } from '../db/geography';
import { migrateDatabase } from '../db/migrate';
import { registerImports } from '../db/schema';
import { dropDatabase, ensureDatabase } from '../scripts/stack/postgres';
import { adminUrl, generateRegister, log } from './support';

const { values } = parseArgs({ options: { households: { type: 'string', default: '1000000' }, update: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false } } });
const rows = Number(values.households);
const updateRows = Number(values.update);

const dir = await mkdtemp(join(tmpdir(), 'jigi-bench-'));
const name = `jigi_bench_dup_${randomUUID().slice(0, 8)}`;
const base = join(dir, 'rsu.csv');
const update = join(dir, 'collecte.csv');
try {
  log(`generating ${rows.toLocaleString('en')} households and an update file of ${updateRows.toLocaleString('en')}…`);
  await generateRegister(['--households', String(rows), '--out', base]);
  await generateRegister(['--households', String(updateRows), '--out', update, '--update-of', base]);
  const url = await ensureDatabase(adminUrl, name);
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 4 });
  await loadGeography(database);
  const imports = createRegisterImportActivities({ database });
  const duplicates = createDuplicateActivities({ database });

  const importAndDetect = async (file: string, kind: 'initial' | 'update') => {
    const [job] = await database.db
      .insert(registerImports)
      .values({ fileName: file, filePath: file, format: 'csv', kind, bytesTotal: (await stat(file)).size, createdBy: 'bench' })
      .returning();
    log(`import of ${file}…`);
    await new MockActivityEnvironment().run(imports.importRegisterFile, { importId: job!.id });
    await database.sql`analyze households`;
    log('duplicate detection…');
    const started = performance.now();
    const found = (await new MockActivityEnvironment().run(duplicates.detectDuplicates, { importId: job!.id })) as DuplicateDetection;
    const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
    log(`${found.flagged} pairs flagged in ${seconds} s`);
    return { seconds, pairs: found.flagged };
  };

  const initial = await importAndDetect(base, 'initial');
  const updated = await importAndDetect(update, 'update');
  const reasons = await database.sql`select reasons::text, count(*)::int as n from duplicate_pairs group by 1 order by 2 desc`;
  log(`pairs by reasons: ${reasons.map((r) => `${r.reasons} ${r.n}`).join(', ')}`);
  await database.close();
  if (values.keep) log(`database kept: ${url}`);
  else await dropDatabase(adminUrl, name);
  console.log(
    JSON.stringify({
      households: rows,
      initialDetectSeconds: initial.seconds,
      initialPairs: initial.pairs,
      updateRows,
      updateDetectSeconds: updated.seconds,
      updatePairs: updated.pairs,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
