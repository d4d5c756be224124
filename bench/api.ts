// `npm run bench:api -- [--payments N] [--seconds S] [--concurrency C]`: the overview's API with N
// payments in the ledger (written in SQL with generate_series, as the disbursement bench's raw ceiling
// does, then counted into the batch counters by the product's own refreshPaymentFigures), hammered by
// C clients for S seconds: national, regional and dated views mixed. Last line: one JSON object.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { startApiServer } from '../api/server';
import { createDatabase } from '../db/client';
import { loadGeography } from '../db/geography';
import { migrateDatabase } from '../db/migrate';
import { refreshPaymentFigures } from '../db/payment-figures';
import { loadProcurementTemplates } from '../db/procurement-templates';
import { signIn, type ApiSession } from '../scripts/api-session';
import { seedDemoAwpb } from '../scripts/demo-awpb';
import { dropDatabase, ensureDatabase } from '../scripts/stack/postgres';
import { createUser } from '../test/support/users';
import { mapLimit } from './disbursement';
import { adminUrl, log } from './support';

const { values } = parseArgs({
  options: {
    payments: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    'batch-size': { type: 'string', default: '500' },
    grievances: { type: 'string', default: '20000' },
    keep: { type: 'boolean', default: false },
  },
});
const total = Number(values.payments);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const batchSize = Number(values['batch-size']);
const grievanceCount = Number(values.grievances);

const name = `jigi_bench_api_${randomUUID().slice(0, 8)}`;
const url = await ensureDatabase(adminUrl, name);
await migrateDatabase(url);
const database = createDatabase(url, { max: 8 });
const { sql } = database;
let server: Awaited<ReturnType<typeof startApiServer>> | null = null;
try {
  await loadGeography(database);
  await loadProcurementTemplates(database);
  await seedDemoAwpb(database, 'bench');
  const seedStarted = performance.now();
  const year = new Date().getUTCFullYear();
  const [cycle] = await sql<Array<{ id: string }>>`
    insert into cycles (name, transfer_amount_fcfa, target_households, workflow_id, created_by)
    values ('Bench 1M', 90000, ${total}, ${`cycle:bench-${randomUUID()}`}, 'bench') returning id`;
  const cycleId = cycle!.id;
  await sql`insert into cycle_phases (cycle_id, phase, status) select ${cycleId}, p, 'active' from unnest(enum_range(null::phase)) p`;
  await sql`insert into cycle_funding_sources (cycle_id, source, amount_fcfa) values (${cycleId}, 'world-bank-af2', ${total * 90_000 * 2})`;
  await sql`
    insert into payment_agencies (id, name, kind, base_url, credential_ref, lots, rate_per_second)
    values ('bench-om', 'Orange Money', 'mobile-money', 'http://127.0.0.1:1', 'UNUSED', '[]', 100), ('bench-bnda', 'BNDA', 'bank', 'http://127.0.0.1:1', 'UNUSED', '[]', 100)`;
  // One list per commune, payments dealt to communes in turn; this year's forecast for the run's cash transfers.
  const communes = await sql<Array<{ code: string; region: string }>>`select code, region_code as region from communes order by code`;
  const perCommune = Math.ceil(total / communes.length);
  const lists = await sql<Array<{ id: string; commune: string; region: string; n: number }>>`
    insert into payment_lists (cycle_id, region_code, commune_code, agency_id, funding_source, status, declared_count, declared_total_fcfa)
    select ${cycleId}, c.region, c.code, case when c.i % 3 = 0 then 'bench-bnda' else 'bench-om' end, case when c.i % 4 = 0 then 'pgfs'::funding_source else 'world-bank-af2' end, 'released',
      least(${perCommune}, greatest(0, ${total} - (c.i - 1) * ${perCommune})), least(${perCommune}, greatest(0, ${total} - (c.i - 1) * ${perCommune})) * 90000
    from (select code, region_code as region, row_number() over (order by code)::int as i from communes) c
    returning id, commune_code as commune, region_code as region, declared_count as n`;
  await sql`
    insert into awpb_forecasts (year, component, funding_source, region_code, amount_fcfa, updated_by)
    select ${year}, 'cash-transfers', 'world-bank-af2', code, ${Math.round((total * 90_000 * 2) / 9)}, 'bench' from regions`;
  log(`writing ${total.toLocaleString('en')} payments over ${lists.length} lists…`);
  // 85 % confirmed, 5 % failed, the rest in flight; a batch is confirmed on one day, the batches over the last 30 days.
  await mapLimit(lists, 2, async (list) => {
    if (list.n === 0) return;
    await sql`
      insert into payments (cycle_id, rsu_id, list_id, batch_no, region_code, commune_code, agency_id, funding_source, amount_fcfa, phone, status, idempotency_key, confirmed_at)
      select ${cycleId}, ${list.commune} || '-' || g, l.id, (g - 1) / ${batchSize}, l.region_code, l.commune_code, l.agency_id, l.funding_source, 90000, '+22370000000',
        (case when g % 20 = 0 then 'failed' when g % 100 < 85 then 'confirmed' when g % 2 = 0 then 'submitted' else 'pending' end)::payment_status,
        ${`jigi-${cycleId}-`} || ${list.commune} || '-' || g || '-t1-g0',
        case when g % 20 <> 0 and g % 100 < 85 then now() - ((((g - 1) / ${batchSize}) % 30) || ' days')::interval end
      from generate_series(1, ${list.n}) g, payment_lists l where l.id = ${list.id}`;
  });
  log('counting batches into payment_figures and payment_daily_figures…');
  await mapLimit(lists, 4, async (list) => {
    if (list.n === 0) return;
    const batches = Array.from({ length: Math.ceil(list.n / batchSize) }, (_, i) => i);
    await refreshPaymentFigures(sql, list.id, batches);
  });
  await sql`
    insert into targeting_quotas (cycle_id, level, region_code, population, poverty_rate, estimated, weight, registered, eligible, quota, overridden)
    select ${cycleId}, 'region', region_code, 0, 0, true, 0, count(*), count(*), count(*), false from payments where cycle_id = ${cycleId} group by region_code`;
  await sql`
    insert into commune_lists (cycle_id, commune_code, region_code, status, households)
    select ${cycleId}, commune_code, region_code, 'approved', declared_count from payment_lists where cycle_id = ${cycleId}`;
  await sql`
    insert into grievance_cases (reference, cycle_id, category, complainant_name, region, commune, channel, status, deadline_at, filed_by)
    select 'PL-BENCH-' || g, ${cycleId}, (enum_range(null::grievance_category))[1 + g % 8], 'X', c.region_code, c.code, 'console',
      (enum_range(null::grievance_status))[1 + g % 5], now() + ((g % 20) - 5 || ' days')::interval, 'bench'
    from generate_series(1, ${grievanceCount}) g join lateral (select code, region_code from communes order by code offset (g % 600) limit 1) c on true`;
  await sql`vacuum analyze`;
  const figureRows = (await sql<Array<{ n: number }>>`select count(*)::int as n from payment_figures`)[0]!.n;
  const dailyRows = (await sql<Array<{ n: number }>>`select count(*)::int as n from payment_daily_figures`)[0]!.n;
  const seedSeconds = Number(((performance.now() - seedStarted) / 1000).toFixed(1));
  log(`seeded in ${seedSeconds} s: ${figureRows} counter rows, ${dailyRows} daily rows`);

  // The overview reads no workflow: the API runs without Temporal.
  server = await startApiServer({ database, temporal: {} as Client, taskQueue: 'bench', port: 0, host: '127.0.0.1', filesDir: '/nonexistent' });
  const base = server.url;
  const me = await createUser(database, ['me-officer'], { level: 'national' }, 'bench-suivi');
  const focal = await createUser(database, ['focal-point'], { level: 'region', region: 'MOP' }, 'bench-mopti');
  const [national, regional] = await Promise.all([signIn(base, me.username, me.password), signIn(base, focal.username, focal.password)]);
  const views: Array<[ApiSession, () => string]> = [
    [national, () => '/api/overview'],
    [national, () => '/api/overview'],
    [national, () => '/api/overview'],
    [regional, () => '/api/overview'],
    // A past date each time: identical reads in flight are shared, so these measure uncoalesced reads.
    [national, () => `/api/overview?year=${year}&asOf=${year}-${String(1 + Math.floor(Math.random() * 12)).padStart(2, '0')}-${String(1 + Math.floor(Math.random() * 28)).padStart(2, '0')}`],
  ];
  const warm = await national.call('GET', '/api/overview');
  if (warm.status !== 200) throw new Error(`overview answered ${warm.status}: ${JSON.stringify(warm.body)}`);
  log(`national overview: ${warm.body.overview.households.paid} paid, execution rate ${warm.body.overview.budget.total.executionRate}`);

  // The same-run baseline: the figures the overview sums from its counters, read from the ledger itself
  // (every payment scanned per region and status, and paid per day), against one overview read alone.
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const timed = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  const scanMs: number[] = [];
  const overviewMs: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    scanMs.push(
      await timed(() =>
        Promise.all([
          sql`select region_code, status, count(*)::int, sum(amount_fcfa)::bigint from payments where cycle_id = ${cycleId} group by 1, 2`,
          sql`select (confirmed_at at time zone 'UTC')::date, count(*)::int, sum(amount_fcfa)::bigint from payments where cycle_id = ${cycleId} and status = 'confirmed' group by 1`,
        ]),
      ),
    );
    // A date of its own each time, so no read is shared with another.
    overviewMs.push(await timed(() => national.call('GET', `/api/overview?year=${year}&asOf=${year}-06-${String(10 + i).padStart(2, '0')}`)));
  }
  const scanBaselineMs = Number(median(scanMs).toFixed(1));
  const singleReadMs = Number(median(overviewMs).toFixed(1));
  log(`one overview read alone ${singleReadMs} ms; the same figures scanned from the ledger ${scanBaselineMs} ms`);

  log(`${concurrency} clients for ${seconds} s…`);
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  let turn = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const [session, path] = views[turn++ % views.length]!;
        const started = performance.now();
        try {
          const res = await fetch(`${base}${path()}`, { headers: { cookie: session.cookie } });
          await res.arrayBuffer();
          if (res.status !== 200) errors += 1;
        } catch {
          errors += 1;
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(1));
  const result = {
    payments: total,
    requests: latencies.length,
    seconds,
    concurrency,
    requestsPerSecond: Number((latencies.length / seconds).toFixed(1)),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    maxMs: Number(latencies.at(-1)!.toFixed(1)),
    errors,
    singleReadMs,
    scanBaselineMs,
    ratio: Number((singleReadMs / scanBaselineMs).toFixed(3)),
    counterRows: figureRows,
    dailyRows,
    seedSeconds,
    loadAverage: Number(loadavg()[0]!.toFixed(2)),
  };
  await server.close();
  server = null;
  await database.close();
  if (values.keep) log(`database kept: ${url}`);
  else await dropDatabase(adminUrl, name);
  console.log(JSON.stringify(result));
} catch (err) {
  await server?.close();
  await database.close();
  if (!values.keep) await dropDatabase(adminUrl, name).catch(() => {});
  throw err;
}
