// `npm run load:grievances -- [--cases N] [--repeats N] [--concurrency N] [--keep]`: starts its own
// stack (a database on DATABASE_URL's server, a Temporal dev server, a worker and the API in this
// process), files N complaints through the API at once, a share of them repeats racing their
// originals, then checks every case is present once, duplicates linked, each with a running workflow.
// Last line: one JSON object.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { sql } from 'drizzle-orm';
import { hashPassword } from '../api/auth/secrets';
import { startApiServer } from '../api/server';
import { createDatabase } from '../db/client';
import { loadGeography } from '../db/geography';
import { migrateDatabase } from '../db/migrate';
import { households, users } from '../db/schema';
import { grievanceWorkflowId } from '../domain/ids';
import { createWorker } from '../worker/create-worker';
import { signIn } from './api-session';
import { dropDatabase, ensureDatabase } from './stack/postgres';
import { startTemporalDevServer } from './stack/temporal-dev-server';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '10000' }, repeats: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '16' }, keep: { type: 'boolean', default: false } },
});
const total = Number(values.cases);
const repeats = Number(values.repeats);
const concurrency = Number(values.concurrency);
if (!(Number.isInteger(total) && total > 0 && Number.isInteger(repeats) && repeats >= 0 && repeats < total && concurrency > 0)) {
  throw new Error('--cases, --repeats and --concurrency are positive whole numbers, repeats fewer than cases');
}
const distinctCases = total - repeats;
const householdCount = Math.ceil(distinctCases / 2);
const CATEGORIES = ['non-payment', 'wrong-amount'] as const;

const log = (line: string) => process.stderr.write(`[load] ${line}\n`);
const adminUrl = (() => {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
})();

/** Runs the tasks with at most `limit` in flight. */
async function bounded<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
const name = `jigi_load_grievances_${randomUUID().slice(0, 8)}`;
const filesDir = await mkdtemp(join(tmpdir(), 'jigi-load-'));
const stops: Array<() => Promise<unknown>> = [];
try {
  const url = await ensureDatabase(adminUrl, name);
  await migrateDatabase(url);
  const database = createDatabase(url, { max: 20 });
  stops.push(() => database.close());
  await loadGeography(database);
  const communes = await database.sql<Array<{ code: string }>>`select code from communes order by code limit 50`;
  const rsu = (n: number) => `RSU-LOAD-${String(n).padStart(6, '0')}`;
  const rows = Array.from({ length: householdCount }, (_, i) => ({
    rsuId: rsu(i),
    headName: `Chef ${i}`,
    sex: 'M' as const,
    birthYear: 1970,
    communeCode: communes[i % communes.length]!.code,
    village: 'Village',
    householdSize: 5,
    foodInsecure: true,
    covidCase: false,
    covidHit: false,
  }));
  for (let i = 0; i < rows.length; i += 1000) await database.db.insert(households).values(rows.slice(i, i + 1000));
  const password = randomUUID();
  await database.db.insert(users).values({ username: 'load-officer', displayName: 'Load officer', passwordHash: await hashPassword(password), roles: ['grievance-officer'], areaLevel: 'national' });

  log('starting Temporal, the worker and the API…');
  const temporalServer = await startTemporalDevServer({ uiPort: false, log });
  stops.unshift(() => temporalServer.stop());
  const taskQueue = `load-grievances-${randomUUID().slice(0, 8)}`;
  const nativeConnection = await NativeConnection.connect({ address: temporalServer.address });
  const worker = await createWorker({ connection: nativeConnection, namespace: 'default', database, taskQueue });
  const running = worker.run();
  stops.unshift(async () => {
    worker.shutdown();
    await running;
    await nativeConnection.close();
  });
  const connection = await Connection.connect({ address: temporalServer.address });
  const temporal = new Client({ connection });
  stops.unshift(() => connection.close());
  const api = await startApiServer({ database, temporal, taskQueue, port: 0, host: '127.0.0.1', filesDir });
  stops.unshift(() => api.close());
  const officer = await signIn(api.url, 'load-officer', password);

  // Every household complains of both categories; `repeats` of them file their non-payment complaint again, interleaved.
  const distinct = Array.from({ length: distinctCases }, (_, i) => ({ category: CATEGORIES[i % 2]!, complainant: { kind: 'household', rsuId: rsu(Math.floor(i / 2)) } }));
  const again = Array.from({ length: repeats }, (_, i) => ({ category: 'non-payment', complainant: { kind: 'household', rsuId: rsu((i * 7) % householdCount) } }));
  const every = Math.max(1, Math.floor(distinctCases / Math.max(1, repeats)));
  const inputs = distinct.flatMap((d, i) => (i % every === 0 && again.length ? [d, again.pop()!] : [d])).concat(again);

  log(`filing ${inputs.length.toLocaleString('en')} complaints (${repeats} repeats) with ${concurrency} at once…`);
  const started = performance.now();
  let done = 0;
  let transportRetries = 0;
  // A connection reset gives no answer: the filing is sent again, and a second filing of an open case is linked, never doubled.
  const file = async (input: (typeof inputs)[number]) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await officer.call('POST', '/api/grievances/cases', input);
      } catch (err) {
        if (attempt >= 5) throw err;
        transportRetries += 1;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  };
  const answers = await bounded(
    inputs.map((input) => async () => {
      const answer = await file(input);
      if (++done % 1000 === 0) log(`${done.toLocaleString('en')} filed`);
      return answer;
    }),
    concurrency,
  );
  const seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  const refused = answers.filter((a) => a.status !== 201 && a.status !== 200);
  if (refused.length) log(`first refusal: ${refused[0]!.status} ${JSON.stringify(refused[0]!.body)}`);

  const references = answers.filter((a) => a.status === 201).map((a) => a.body.case.reference as string);
  log('waiting for every workflow to write its filing…');
  const expected = references.length;
  const waitUntil = Date.now() + 300_000;
  let withWorkflow = 0;
  while (Date.now() < waitUntil) {
    [{ n: withWorkflow }] = (await database.db.execute<{ n: number }>(sql`select count(distinct reference)::int as n from grievance_timeline where kind = 'filed'`)) as unknown as [{ n: number }];
    if (withWorkflow >= expected) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log('asking Temporal about every case…');
  const statuses = await bounded(references.map((r) => async () => (await temporal.workflow.getHandle(grievanceWorkflowId(r)).describe()).status.name), 32);
  const [counts] = (await database.db.execute<{ present: number; distinct: number; duplicates: number; keys: number }>(sql`
    select count(*)::int as present, count(distinct reference)::int as distinct,
           count(*) filter (where linked_to is not null)::int as duplicates,
           count(distinct (household_rsu_id, category)) filter (where linked_to is null)::int as keys
    from grievance_cases`)) as unknown as [{ present: number; distinct: number; duplicates: number; keys: number }];
  const result = {
    filed: answers.filter((a) => a.status === 201 || a.status === 200).length,
    present: counts.present,
    distinctReferences: counts.distinct,
    opened: references.length,
    duplicates: counts.duplicates,
    openCasesPerHouseholdCategory: counts.keys === references.length ? 1 : counts.keys / references.length,
    withWorkflow,
    running: statuses.filter((s) => s === 'RUNNING').length,
    refused: refused.length,
    transportRetries,
    seconds,
    perSecond: Number((answers.length / seconds).toFixed(1)),
  };
  log(`${result.filed} filed in ${seconds} s; ${result.present} present, ${result.duplicates} linked, ${result.running} workflows running`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!values.keep) stops.push(() => dropDatabase(adminUrl, name));
  else log(`database kept: ${url}`);
} finally {
  for (const stop of stops) await stop().catch((err: unknown) => log(`while stopping: ${String(err)}`));
  await rm(filesDir, { recursive: true, force: true });
}
process.exit(0);
