// `npm run bench:disburse -- [--households N] [--per-payment N]`: N payments end to end (lists built,
// released through the API, sent by paymentRunWorkflow on a real Temporal dev server and a worker in
// its own process, confirmed by the simulated agencies on loopback, reconciled with their statement),
// against the raw ceiling (the same ledger writes in plain SQL) and a one-workflow-per-payment design,
// in the same run. Progress on stderr; last line: one JSON object.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { startApiServer } from '../api/server';
import { createDatabase, type Database } from '../db/client';
import { loadGeography } from '../db/geography';
import { migrateDatabase } from '../db/migrate';
import { phaseWorkflowId } from '../domain/ids';
import { paymentIdempotencyKey } from '../domain/payments';
import { WORKFLOW_TYPES } from '../domain/temporal-names';
import { dropDatabase, ensureDatabase } from '../scripts/stack/postgres';
import { startTemporalDevServer } from '../scripts/stack/temporal-dev-server';
import { startSimProcess } from '../test/support/provider-sim';
import type { DisbursementPhaseInput } from '../workflows/disbursement';
import { disbursementStateQuery, markPhaseDoneSignal, type DisbursementState } from '../workflows/messages';
import type { PaymentRunInput } from '../workflows/payment-run';
import {
  AMOUNT_FCFA,
  buildLists,
  createSigners,
  followPayments,
  mapLimit,
  progressPrinter,
  reconcileWithStatement,
  releaseLists,
  seedDisbursement,
  startWorkerProcess,
  writeWorkflowBundle,
  type DisbursementPlan,
  type SeededCycle,
} from './disbursement';
import { adminUrl, log } from './support';

const { values } = parseArgs({
  options: {
    households: { type: 'string', default: '1000000' },
    'per-payment': { type: 'string', default: '10000' },
    'per-payment-max-seconds': { type: 'string', default: '600' },
    'batch-size': { type: 'string', default: '1000' },
    'in-flight': { type: 'string', default: '12' },
    agencies: { type: 'string', default: '2' },
  },
});
const households = Number(values.households);
const perPaymentHouseholds = Number(values['per-payment']);
const perPaymentMaxSeconds = Number(values['per-payment-max-seconds']);
const batchSize = Number(values['batch-size']);
const maxInFlight = Number(values['in-flight']);
const agencies = Number(values.agencies);

const dir = await mkdtemp(join(tmpdir(), 'jigi-bench-disburse-'));
const name = `jigi_bench_${randomUUID().slice(0, 8)}`;
const stops: Array<() => Promise<unknown>> = [];
try {
  log('starting Postgres database, Temporal dev server, agency simulator…');
  // One simulated operator per agency: each its own process, ledger and statement.
  const [url, temporal, ...sims] = await Promise.all([
    ensureDatabase(adminUrl, name).then(async (u) => {
      await migrateDatabase(u);
      return u;
    }),
    startTemporalDevServer({ uiPort: false, log }),
    ...Array.from({ length: agencies }, (_, i) => startSimProcess({ ledgerFile: join(dir, `agency-${i + 1}.jsonl`) })),
  ]);
  stops.push(() => dropDatabase(adminUrl, name), temporal.stop, ...sims.map((sim) => sim.stop));
  const simUrls = sims.map((sim) => sim.url);
  const database = createDatabase(url, { max: 6 });
  stops.unshift(() => database.close());
  await loadGeography(database);
  const connection = await Connection.connect({ address: temporal.address });
  stops.unshift(() => connection.close());
  const client = new Client({ connection });
  const taskQueue = `bench-disburse-${randomUUID().slice(0, 8)}`;
  const api = await startApiServer({ database, temporal: client, taskQueue, port: 0, host: '127.0.0.1', filesDir: dir });
  stops.unshift(() => api.close());
  const signers = await createSigners(database, api.url);
  const workflowBundle = await writeWorkflowBundle(dir);
  const worker = await startWorkerProcess({ databaseUrl: url, temporalAddress: temporal.address, taskQueue, credential: 'jigi-bench', workflowBundle });
  stops.unshift(() => worker.stop());
  const plan: DisbursementPlan = { households, perCommune: 10_000, agencies, batchSize, bulkSize: Math.min(batchSize, 1_000), ratePerSecond: 50, simUrl: simUrls, invalidEvery: 0 };

  // 1. The batch design, end to end, as the product runs it: the disbursement phase workflow declares
  // and builds the lists, the signers release them through the API (whose release signal wakes the
  // phase), one payment run per agency sends them, and each run's lists are reconciled at its end.
  log(`seeding a frozen list of ${households.toLocaleString('en')} households…`);
  const seeded = await seedDisbursement(database, plan, 'Paiement', { declare: false });
  const follow = await followPayments(database, seeded.cycleId);
  const phase = client.workflow.getHandle(phaseWorkflowId(seeded.cycleId, 'disbursement'));
  const started = performance.now();
  const at = () => Number(((performance.now() - started) / 1000).toFixed(1));
  await client.workflow.start(WORKFLOW_TYPES.disbursementPhase, {
    taskQueue,
    workflowId: phase.workflowId,
    args: [{ cycleId: seeded.cycleId, phase: 'disbursement', settings: { paymentBatchSize: batchSize, paymentBatchesInFlight: maxInFlight } } satisfies DisbursementPhaseInput],
  });
  log('the phase declares and builds the payment lists…');
  const prepared = (await until(() => phase.query(disbursementStateQuery), (s) => s.prepared !== null)).prepared!;
  if (prepared.households !== households || prepared.mismatched > 0) throw new Error(`lists built unlike the frozen list: ${JSON.stringify(prepared)}`);
  const builtAt = at();
  const lists = await database.sql<SeededCycle['lists']>`
    select id as "listId", agency_id as "agencyId", commune_code as "communeCode", built_count as count from payment_lists where cycle_id = ${seeded.cycleId}`;
  log(`${lists.length} lists built at ${builtAt} s; releasing them through the API…`);
  const stopProgress = progressPrinter('disbursing', households, follow.counts, log, () => `, worker peak ${worker.peakRssMb()} MB`);
  await releaseLists(signers, { cycleId: seeded.cycleId, lists });
  const releasedAt = at();
  log(`released at ${releasedAt} s`);
  const reconciledLists = (s: DisbursementState) => s.runs.reduce((n, r) => n + (r.reconciled?.lists ?? 0), 0);
  let sentAt: number | null = null;
  const final = await until(
    () => phase.query(disbursementStateQuery),
    (s) => {
      const { confirmed, failed } = follow.counts();
      if (sentAt === null && confirmed + failed >= households) sentAt = at();
      return reconciledLists(s) >= lists.length || s.runs.some((r) => r.status === 'failed');
    },
    60 * 60_000,
  );
  const seconds = (performance.now() - started) / 1000;
  stopProgress();
  await follow.stop();
  const workerPeakRssMb = worker.peakRssMb();
  const reconciled = final.runs.reduce(
    (t, r) => ({ matched: t.matched + (r.reconciled?.matched ?? 0), mismatches: t.mismatches + (r.reconciled?.mismatches ?? 0) }),
    { matched: 0, mismatches: 0 },
  );
  log(`sent by ${sentAt} s, reconciled at ${seconds.toFixed(1)} s: ${JSON.stringify(reconciled)}; checking against the agency's statement…`);
  await phase.signal(markPhaseDoneSignal, { actor: 'bench', comment: 'banc d’essai terminé' });
  const reconciliation = await reconcileWithStatement(database, simUrls, seeded.cycleId);
  log(`checked: ${JSON.stringify(reconciliation)}`);
  if (reconciled.matched !== households || reconciled.mismatches > 0 || reconciliation.paidOnce !== households || reconciliation.ledgerTotalFcfa !== reconciliation.statementTotalFcfa) {
    throw new Error(`not every household was paid exactly once: ${JSON.stringify({ ...reconciled, ...reconciliation })}`);
  }

  // 2. The baseline: one workflow (and one activity) per payment, on a worker of its own, for at most a time cap.
  log(`one workflow per payment, ${perPaymentHouseholds.toLocaleString('en')} payments (at most ${perPaymentMaxSeconds} s)…`);
  await worker.stop();
  const baselineQueue = `${taskQueue}-per-payment`;
  const baselineWorker = await startWorkerProcess({ databaseUrl: url, temporalAddress: temporal.address, taskQueue: baselineQueue, credential: 'jigi-bench', workflowBundle });
  stops.unshift(() => baselineWorker.stop());
  const baseline = await perPaymentBaseline(database, client, baselineQueue, signers, { ...plan, households: perPaymentHouseholds, agencies: 1, batchSize: 1, bulkSize: null });
  // What the cap left unsent stays on that task queue, with no worker polling it any more.
  await baselineWorker.kill();

  // 3. The raw ceiling: the same ledger rows written and settled in plain SQL, no workflow, no agency.
  log('raw ceiling: the same ledger writes in plain SQL…');
  const rawSeconds = await rawCeiling(database, households, batchSize);

  const paymentsPerSecond = Math.round(households / seconds);
  const rawCeilingPaymentsPerSecond = Math.round(households / rawSeconds);
  console.log(
    JSON.stringify({
      payments: households,
      seconds: Number(seconds.toFixed(2)),
      paymentsPerSecond,
      rawCeilingPaymentsPerSecond,
      ratio: Number((paymentsPerSecond / rawCeilingPaymentsPerSecond).toFixed(3)),
      perPaymentWorkflowPaymentsPerSecond: baseline.perSecond,
      perPaymentWorkflowPayments: baseline.settled,
      perPaymentWorkflowSeconds: baseline.seconds,
      batchSpeedupOverPerPayment: Number((paymentsPerSecond / Math.max(1, baseline.perSecond)).toFixed(1)),
      workerPeakRssMb,
      phases: { builtAt, releasedAt, sentAt, reconciledAt: Number(seconds.toFixed(1)) },
      lists: lists.length,
      batchSize,
      maxInFlight,
      agencies,
      reconciled: { paidOnce: reconciliation.paidOnce, paidTwice: reconciliation.paidTwice, lost: reconciliation.lost, ledgerTotalFcfa: reconciliation.ledgerTotalFcfa, statementTotalFcfa: reconciliation.statementTotalFcfa },
    }),
  );
} finally {
  for (const stop of stops) await stop().catch((err: unknown) => log(`teardown: ${String(err)}`));
  await rm(dir, { recursive: true, force: true });
}

/** Polls `read` until `done` holds. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10 * 60_000): Promise<T> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > end) throw new Error(`timed out waiting; last: ${JSON.stringify(value).slice(0, 400)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * Payments a second when each payment is its own workflow with its own activity (a batch of one):
 * settled payments over the time taken, all of them or as many as the time cap allowed.
 */
async function perPaymentBaseline(database: Database, client: Client, taskQueue: string, signers: Awaited<ReturnType<typeof createSigners>>, plan: DisbursementPlan) {
  const seeded = await seedDisbursement(database, { ...plan, perCommune: plan.households }, 'Par paiement');
  const batches = await buildLists(database, seeded, 1);
  await releaseLists(signers, seeded);
  const follow = await followPayments(database, seeded.cycleId);
  const stopProgress = progressPrinter('one workflow per payment', plan.households, follow.counts, log);
  const started = performance.now();
  const deadline = started + perPaymentMaxSeconds * 1000;
  const settled = () => follow.counts().confirmed + follow.counts().failed;
  const { listId, agencyId } = seeded.lists[0]!;
  const starting = mapLimit(Array.from({ length: batches.get(listId)! }, (_, i) => i), 16, async (batchNo) => {
    if (performance.now() > deadline) return;
    // A run of this payment's batch alone: one workflow, one payment.
    const input: PaymentRunInput = { cycleId: seeded.cycleId, agencyId, lists: [], units: [{ listId, batchNo }], maxInFlight: 1 };
    await client.workflow.start(WORKFLOW_TYPES.paymentRun, { taskQueue, workflowId: `payment:${seeded.cycleId}:${batchNo}`, args: [input] });
  });
  while (settled() < plan.households && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  const seconds = (performance.now() - started) / 1000;
  const done = settled();
  stopProgress();
  await starting;
  await follow.stop();
  log(`one workflow per payment: ${done.toLocaleString('en')} of ${plan.households.toLocaleString('en')} in ${seconds.toFixed(1)} s`);
  return { settled: done, seconds: Number(seconds.toFixed(1)), perSecond: Math.round(done / seconds) };
}

/**
 * The ledger writes of a run done directly: the rows COPYed in, then batch by batch the batch marked
 * as handed over, the status set with its reference and attempt and the history row written (unnest),
 * two lanes at once.
 */
async function rawCeiling(database: Database, n: number, batch: number): Promise<number> {
  const { sql } = database;
  const plan = { households: 1, perCommune: 1, agencies: 1, batchSize: batch, bulkSize: null, ratePerSecond: 1, simUrl: 'http://127.0.0.1:1', invalidEvery: 0 };
  const seeded = await seedDisbursement(database, plan, 'Plafond');
  const { listId, agencyId, communeCode } = seeded.lists[0]!;
  const cycleId = seeded.cycleId;
  const started = performance.now();
  const rows = Readable.from(
    (function* () {
      for (let i = 0; i < n; i += 1) {
        const rsuId = `RAW-${String(i).padStart(10, '0')}`;
        yield `${cycleId}\t${rsuId}\t1\t${listId}\t${Math.floor(i / batch)}\t1\t${communeCode}\t${agencyId}\tworld-bank-af2\t${AMOUNT_FCFA}\t+22370000001\t${paymentIdempotencyKey({ cycleId, rsuId, tranche: 1, generation: 0 })}\n`;
      }
    })(),
  );
  const copy = await sql`copy payments (cycle_id, rsu_id, tranche, list_id, batch_no, region_code, commune_code, agency_id, funding_source, amount_fcfa, phone, idempotency_key) from stdin`.writable();
  await pipeline(rows, copy);
  await mapLimit(Array.from({ length: Math.ceil(n / batch) }, (_, i) => i), 2, async (batchNo) => {
    const ids = (await sql<Array<{ id: number }>>`select id::float8 as id from payments where list_id = ${listId} and batch_no = ${batchNo} and status = 'pending'`).map((r) => r.id);
    await sql`insert into payment_batch_sends (list_id, batch_no) values (${listId}, ${batchNo}) on conflict (list_id, batch_no) do update set sends = payment_batch_sends.sends + 1, last_send_at = now()`;
    await sql`
      with u as (select * from unnest(${sql.array(ids)}::bigint[], ${sql.array(ids.map((id) => `SIM${id}`))}::text[]) as u(id, reference)),
      changed as (
        update payments p set status = 'confirmed', agency_reference = u.reference, attempts = p.attempts + 1, submitted_at = now(), confirmed_at = now(), updated_at = now()
        from u where p.id = u.id and p.status = 'pending' returning p.id, p.generation
      )
      insert into payment_status_history (payment_id, from_status, to_status, generation) select id, 'pending', 'confirmed', generation from changed`;
  });
  return (performance.now() - started) / 1000;
}
