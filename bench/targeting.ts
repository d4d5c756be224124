// `npm run bench:targeting -- [--households N]`: the register import against Postgres's own COPY of the
// same file, in the same run, so the ratio holds on a noisy machine. Last line: one JSON object.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createRegisterImportActivities, type ImportResult } from '../activities/register/import';
import { createDatabase } from '../db/client';
import { loadGeography } from '../db/geography';
import { migrateDatabase } from '../db/migrate';
import { registerImports } from '../db/schema';
import { ELIGIBILITY_TARGET, timeEligibility } from './eligibility';
import { dropDatabase, ensureDatabase } from '../scripts/stack/postgres';
import { adminUrl, generateRegister, log } from './support';

const { values } = parseArgs({ options: { households: { type: 'string', default: '1000000' } } });
const rows = Number(values.households);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const dir = await mkdtemp(join(tmpdir(), 'jigi-bench-'));
const name = `jigi_bench_${randomUUID().slice(0, 8)}`;
const file = join(dir, 'rsu.csv');
try {
  log(`generating ${rows.toLocaleString('en')} households…`);
  await generateRegister(['--households', String(rows), '--out', file]);
  const bytes = (await stat(file)).size;
  const url = await ensureDatabase(adminUrl, name);
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 4 });
  await loadGeography(database);

  log('raw COPY of the same file into an unlogged table (the baseline)…');
  await database.sql`create unlogged table copy_baseline (rsu_id text, head_name text, sex text, birth_year text, nina text, phone text,
    commune_code text, village text, household_size text, food_insecure text, covid_case text, covid_hit text, welfare_score text)`;
  const copyStart = performance.now();
  const writable = await database.sql`copy copy_baseline from stdin with (format csv, header true)`.writable();
  await pipeline(createReadStream(file), writable);
  const copySeconds = (performance.now() - copyStart) / 1000;
  await database.sql`drop table copy_baseline`;

  log('import through the register import activity (validation, upsert, checkpoints)…');
  peakRss = process.memoryUsage().rss;
  const [job] = await database.db
    .insert(registerImports)
    .values({ fileName: 'rsu.csv', filePath: file, format: 'csv', kind: 'initial', bytesTotal: bytes, createdBy: 'bench' })
    .returning();
  const activities = createRegisterImportActivities({ database });
  const importStart = performance.now();
  const result = (await new MockActivityEnvironment().run(activities.importRegisterFile, { importId: job!.id })) as ImportResult;
  const importSeconds = (performance.now() - importStart) / 1000;

  const eligibilitySeconds = await timeEligibility(database, ELIGIBILITY_TARGET);
  await database.close();
  await dropDatabase(adminUrl, name);

  const rowsPerSecond = Math.round(result.rowsRead / importSeconds);
  const copyRowsPerSecond = Math.round(rows / copySeconds);
  clearInterval(sampler);
  log(`import: ${result.rowsAccepted} accepted, ${result.rowsRejected} rejected in ${importSeconds.toFixed(1)} s`);
  console.log(
    JSON.stringify({
      rows: result.rowsRead,
      importSeconds: Number(importSeconds.toFixed(2)),
      rowsPerSecond,
      copyRowsPerSecond,
      ratio: Number((rowsPerSecond / copyRowsPerSecond).toFixed(3)),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
      eligibilitySeconds: Number(eligibilitySeconds.toFixed(2)),
    }),
  );
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
