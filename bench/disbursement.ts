// What bench:disburse, chaos:disburse and the chaos test share: a frozen list of N households on the
// simulated agencies, its payment lists built and released through the API's release controls, one
// paymentRunWorkflow per agency on a worker in a process of its own, and the ledger reconciled with
// the simulator's own statement.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createActivities } from '../activities';
import { MobileMoneyAgency } from '../activities/adapters/mobile-money';
import type { Database } from '../db/client';
import { cycleFundingSources, cycles, paymentAgencies, paymentLists, procurementCases } from '../db/schema';
import { paymentRunWorkflowId } from '../domain/ids';
import { PAYMENTS_CHANNEL, parsePaymentIdempotencyKey, type PaymentsChanged } from '../domain/payments';
import { RELEASE_STAGES, type ReleaseStage } from '../domain/payment-release';
import { MOBILISED_STEP } from '../domain/procurement';
import { WORKFLOW_TYPES } from '../domain/temporal-names';
import type { ApiSession } from '../scripts/api-session';
import { signInAs } from '../test/support/users';
import { workerNodeArgs } from '../worker/heap';
import type { PaymentRunInput, PaymentRunList } from '../workflows/payment-run';

export const AMOUNT_FCFA = 90_000;
export const AGENCY_CREDENTIAL_ENV = 'JIGI_SIM_AGENCY_CREDENTIAL';
const REGION = '1';

export interface DisbursementPlan {
  households: number;
  /** Households per commune: one payment list per commune, communes dealt to the agencies in turn. */
  perCommune: number;
  agencies: number;
  batchSize: number;
  /** Transfers per bulk request; null sends one request per payment. */
  bulkSize: number | null;
  ratePerSecond: number;
  /** The simulated agency; with several, agency i is served by simUrl[i mod n] (distinct operators, distinct statements). */
  simUrl: string | string[];
  /** Every n-th household's wallet number ends in 99 (the simulator's invalid accounts when told so); 0 for none. */
  invalidEvery: number;
}

export interface SeededCycle {
  cycleId: string;
  households: number;
  lists: Array<{ listId: string; agencyId: string; communeCode: string; count: number }>;
}

const communeCode = (i: number) => `C${String(i).padStart(5, '0')}`;

/** The cycle, its frozen beneficiary list written in one statement, its agencies on the simulator and (unless told not to) its declared lists. */
export async function seedDisbursement(database: Database, plan: DisbursementPlan, label = 'Paiement', { declare = true } = {}): Promise<SeededCycle> {
  const { db, sql } = database;
  const cycleId = randomUUID();
  const communes = Math.ceil(plan.households / plan.perCommune);
  await db.insert(cycles).values({ id: cycleId, name: `${label} ${cycleId.slice(0, 8)}`, transferAmountFcfa: AMOUNT_FCFA, targetHouseholds: plan.households, workflowId: `cycle:${cycleId}`, createdBy: 'bench' });
  await sql`
    insert into beneficiaries (cycle_id, rsu_id, region_code, commune_code, village, head_name, phone, household_size, amount_fcfa, frozen_at)
    select ${cycleId}, 'RSU-' || lpad(n::text, 10, '0'), ${REGION}, 'C' || lpad(((n - 1) / ${plan.perCommune})::text, 5, '0'), 'Village', 'Chef de ménage',
      '+2237' || lpad((n % 100000)::text, 5, '0') || case when ${plan.invalidEvery} > 0 and n % ${plan.invalidEvery} = 0 then '99' else '01' end,
      5, ${AMOUNT_FCFA}, now()
    from generate_series(1, ${plan.households}::int) as n`;
  await sql`analyze beneficiaries`;
  await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: plan.households * AMOUNT_FCFA });
  const communeList = Array.from({ length: communes }, (_, i) => ({ level: 'commune' as const, region: REGION, commune: communeCode(i) }));
  // The lot's agency is under contract: its procurement case reached "agency mobilised".
  await db.insert(procurementCases).values({
    cycleId,
    kind: 'payment-agency',
    title: 'Agences de paiement (banc d’essai)',
    lot: communeList,
    regions: [REGION],
    templateKey: 'rfq',
    templateVersion: 1,
    status: 'completed',
    currentStep: MOBILISED_STEP,
    stepStatus: 'done',
    createdBy: 'bench',
  });
  const agencyIds = Array.from({ length: plan.agencies }, (_, i) => `sim-${cycleId.slice(0, 8)}-${i + 1}`);
  const simUrls = [plan.simUrl].flat();
  await db.insert(paymentAgencies).values(
    agencyIds.map((id, i) => ({
      id,
      name: `Mobile money simulé ${i + 1}`,
      kind: 'mobile-money' as const,
      baseUrl: simUrls[i % simUrls.length]!,
      credentialRef: AGENCY_CREDENTIAL_ENV,
      lots: communeList.filter((_, c) => c % plan.agencies === i),
      ratePerSecond: plan.ratePerSecond,
      bulkSize: plan.bulkSize,
    })),
  );
  // Undeclared, the disbursement phase declares the lists itself (prepareDisbursement).
  if (!declare) return { cycleId, households: plan.households, lists: [] };
  const counts = await sql<Array<{ communeCode: string; n: number }>>`
    select commune_code as "communeCode", count(*)::int as n from beneficiaries where cycle_id = ${cycleId} group by commune_code order by commune_code`;
  const lists: SeededCycle['lists'] = [];
  for (const [c, { communeCode: commune, n }] of counts.entries()) {
    const agencyId = agencyIds[c % plan.agencies]!;
    const [list] = await db
      .insert(paymentLists)
      .values({ cycleId, regionCode: REGION, communeCode: commune, agencyId, fundingSource: 'world-bank-af2', declaredCount: n, declaredTotalFcfa: n * AMOUNT_FCFA })
      .returning({ id: paymentLists.id });
    lists.push({ listId: list!.id, agencyId, communeCode: commune, count: n });
  }
  return { cycleId, households: plan.households, lists };
}

/** Builds every list (buildPaymentList, two at a time), each checked against its declaration. */
export async function buildLists(database: Database, seeded: SeededCycle, batchSize: number): Promise<Map<string, number>> {
  const activities = createActivities({ database, agencyCredentials: () => undefined });
  const batches = new Map<string, number>();
  await mapLimit(seeded.lists, 2, async ({ listId }) => {
    const built = await activities.buildPaymentList({ listId, batchSize });
    if (!built.matchesDeclaration) throw new Error(`list ${listId} built unlike its declaration`);
    batches.set(listId, built.batches);
  });
  return batches;
}

/** The people who sign: two approvers, two authorisers, one finance release, as the largest amount band asks. */
export async function createSigners(database: Database, apiUrl: string): Promise<Record<ReleaseStage, ApiSession[]>> {
  const [a1, a2, z1, z2, f1] = await Promise.all(
    (['payment-operator', 'payment-operator', 'coordinator', 'coordinator', 'coordinator'] as const).map((role) => signInAs(database, apiUrl, [role])),
  );
  return { approval: [a1!, a2!], authorisation: [z1!, z2!], 'finance-release': [f1!] };
}

const SEGMENT: Record<ReleaseStage, string> = { approval: 'approve', authorisation: 'authorize', 'finance-release': 'release-funds' };

/**
 * Releases the lists through the API's release routes, stage after stage, as many signatures as each
 * list's band asks: each signer signs every list waiting for them in one request (up to a thousand).
 */
export async function releaseLists(signers: Record<ReleaseStage, ApiSession[]>, seeded: Pick<SeededCycle, 'cycleId' | 'lists'>): Promise<void> {
  type Waiting = { listId: string; stage: ReleaseStage; signed: number };
  let waiting: Waiting[] = seeded.lists.map((l) => ({ listId: l.listId, stage: RELEASE_STAGES[0], signed: 0 }));
  while (waiting.length > 0) {
    const groups = new Map<string, Waiting[]>();
    for (const w of waiting) groups.set(`${w.stage}#${w.signed}`, [...(groups.get(`${w.stage}#${w.signed}`) ?? []), w]);
    const next: Waiting[] = [];
    for (const group of groups.values()) {
      const { stage, signed } = group[0]!;
      const signer = signers[stage][signed];
      if (!signer) throw new Error(`no signer left for ${stage} of ${group.length} list(s)`);
      for (let i = 0; i < group.length; i += 1_000) {
        const chunk = group.slice(i, i + 1_000);
        const answer: { status: number; body: unknown } = await signer.call('POST', `/api/cycles/${seeded.cycleId}/payment-lists/${SEGMENT[stage]}`, { listIds: chunk.map((w) => w.listId) });
        if (answer.status !== 200) throw new Error(`release refused at ${stage}: ${answer.status} ${JSON.stringify(answer.body)}`);
        for (const list of (answer.body as { lists: Array<{ id: string; waitingFor: ReleaseStage | null }> }).lists) {
          if (list.waitingFor) next.push({ listId: list.id, stage: list.waitingFor, signed: list.waitingFor === stage ? signed + 1 : 0 });
        }
      }
    }
    waiting = next;
  }
}

/** One paymentRunWorkflow per agency over its released lists. */
export async function startRuns(client: Client, taskQueue: string, seeded: SeededCycle, batches: Map<string, number>, maxInFlight: number) {
  const byAgency = new Map<string, PaymentRunList[]>();
  for (const l of seeded.lists) byAgency.set(l.agencyId, [...(byAgency.get(l.agencyId) ?? []), { listId: l.listId, batches: batches.get(l.listId)! }]);
  return Promise.all(
    [...byAgency].map(([agencyId, lists]) =>
      client.workflow.start(WORKFLOW_TYPES.paymentRun, {
        taskQueue,
        workflowId: paymentRunWorkflowId(seeded.cycleId, agencyId, 1),
        args: [{ cycleId: seeded.cycleId, agencyId, lists, maxInFlight } satisfies PaymentRunInput],
      }),
    ),
  );
}

/** Settled payments of a cycle, from the batch notices (one per batch written, never one per payment). */
export async function followPayments(database: Database, cycleId: string) {
  const batches = new Map<string, { confirmed: number; failed: number }>();
  const listener = await database.sql.listen(PAYMENTS_CHANNEL, (payload) => {
    const notice = JSON.parse(payload) as PaymentsChanged;
    if (notice.cycleId === cycleId) batches.set(`${notice.listId}:${notice.batchNo}`, { confirmed: notice.confirmed, failed: notice.failed });
  });
  return {
    counts() {
      let confirmed = 0;
      let failed = 0;
      for (const b of batches.values()) {
        confirmed += b.confirmed;
        failed += b.failed;
      }
      return { confirmed, failed };
    },
    stop: () => listener.unlisten(),
  };
}

/** Prints progress once a second: payments settled, rate and time left. */
export function progressPrinter(label: string, total: number, counts: () => { confirmed: number; failed: number }, log: (line: string) => void, extra: () => string = () => '') {
  const started = performance.now();
  const timer = setInterval(() => {
    const { confirmed, failed } = counts();
    const done = confirmed + failed;
    const seconds = (performance.now() - started) / 1000;
    const rate = done / seconds;
    const left = rate > 0 ? Math.round((total - done) / rate) : NaN;
    log(`${label}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} settled (${confirmed.toLocaleString('en')} paid, ${failed.toLocaleString('en')} failed), ${Math.round(rate).toLocaleString('en')}/s, ${Number.isNaN(left) ? '?' : `${left} s`} left${extra()}`);
  }, 1_000);
  return () => clearInterval(timer);
}

export interface Reconciliation {
  beneficiaries: number;
  paidOnce: number;
  paidTwice: number;
  failedWithReason: number;
  lost: number;
  /** Confirmed in the ledger, absent from the statement; and the reverse. */
  confirmedNotPaid: number;
  paidNotConfirmed: number;
  amountDiffers: number;
  ledgerTotalFcfa: number;
  statementTotalFcfa: number;
}

/**
 * The ledger against the agency's own statement (what it actually paid, read through its API), for a
 * whole cycle: a household is paid once when the statement holds exactly one transfer for it and the
 * ledger says confirmed with the same key and amount; failed with a reason when the ledger says so
 * and the statement holds nothing for it; lost otherwise.
 */
export async function reconcileWithStatement(database: Database, simUrl: string | string[], cycleId: string): Promise<Reconciliation> {
  // The ledger is read while the statement is: on a busy machine the two reads take about as long.
  const ledger = database.sql<Array<{ rsuId: string; status: string | null; reason: string | null; key: string | null; amount: number | null }>>`
    select b.rsu_id as "rsuId", p.status, p.failure_reason as reason, p.idempotency_key as key, p.amount_fcfa as amount
    from beneficiaries b left join payments p on p.cycle_id = b.cycle_id and p.rsu_id = b.rsu_id and p.tranche = 1
    where b.cycle_id = ${cycleId}`.execute();
  ledger.catch(() => {}); // awaited below; a failed statement read must not leave it unhandled
  const paid = new Map<string, { times: number; key: string; amount: number }>();
  let statementTotalFcfa = 0;
  const statements = [simUrl].flat().map((baseUrl) => new MobileMoneyAgency({ baseUrl, credential: 'auditor', ratePerSecond: 1_000 }).statement());
  for await (const line of (async function* () {
    for (const statement of statements) yield* statement;
  })()) {
    const parts = parsePaymentIdempotencyKey(line.idempotencyKey);
    if (parts?.cycleId !== cycleId) continue;
    statementTotalFcfa += line.amountFcfa;
    const known = paid.get(parts.rsuId);
    paid.set(parts.rsuId, { times: (known?.times ?? 0) + 1, key: line.idempotencyKey, amount: line.amountFcfa });
  }
  const r: Reconciliation = { beneficiaries: 0, paidOnce: 0, paidTwice: 0, failedWithReason: 0, lost: 0, confirmedNotPaid: 0, paidNotConfirmed: 0, amountDiffers: 0, ledgerTotalFcfa: 0, statementTotalFcfa };
  for (const p of paid.values()) if (p.times > 1) r.paidTwice += 1;
  for (const row of await ledger) {
    r.beneficiaries += 1;
    const statement = paid.get(row.rsuId);
    const confirmed = row.status === 'confirmed' || row.status === 'credited' || row.status === 'cashed-out';
    if (confirmed) r.ledgerTotalFcfa += row.amount!;
    if (confirmed && !statement) r.confirmedNotPaid += 1;
    if (statement && !confirmed) r.paidNotConfirmed += 1;
    if (confirmed && statement && (statement.key !== row.key || statement.amount !== row.amount)) r.amountDiffers += 1;
    if (confirmed && statement?.times === 1 && statement.key === row.key && statement.amount === row.amount) r.paidOnce += 1;
    else if (statement && statement.times > 1) continue; // counted in paidTwice
    else if (row.status === 'failed' && row.reason && !statement) r.failedWithReason += 1;
    else r.lost += 1;
  }
  return r;
}

/** The worker as `npm start` runs it, in a process of its own so its peak memory can be read; given a bundle, it skips bundling. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Peak resident memory (VmHWM) in MB, the highest of every incarnation so far. */
  peakRssMb(): number;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkerProcess(env: { databaseUrl: string; temporalAddress: string; taskQueue: string; credential: string; workflowBundle?: string }): Promise<WorkerProcess> {
  let child: ChildProcess;
  let peakKb = 0;
  const sample = () => {
    try {
      const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
    } catch {
      /* the process is gone */
    }
  };
  const sampler = setInterval(sample, 250);
  async function launch() {
    const started = spawn(process.execPath, [...workerNodeArgs(), '--import', 'tsx', 'worker/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        TEMPORAL_ADDRESS: env.temporalAddress,
        TEMPORAL_TASK_QUEUE: env.taskQueue,
        [AGENCY_CREDENTIAL_ENV]: env.credential,
        ...(env.workflowBundle ? { JIGI_WORKFLOW_BUNDLE: env.workflowBundle } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The harness ending without its teardown must not leave a worker polling behind it.
    const orphanGuard = () => started.kill('SIGKILL');
    process.once('exit', orphanGuard);
    started.once('exit', () => process.off('exit', orphanGuard));
    let output = '';
    started.stderr!.on('data', (d) => (output = (output + d).slice(-4_000)));
    await new Promise<void>((resolve, reject) => {
      started.stdout!.on('data', (d: Buffer) => {
        output += d;
        if (output.includes('polling task queue')) resolve();
      });
      started.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling:\n${output}`)));
    });
    child = started;
  }
  async function end(signal: NodeJS.Signals) {
    sample();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
  await launch();
  return {
    get child() {
      return child;
    },
    peakRssMb: () => Math.round(peakKb / 1024),
    kill: () => end('SIGKILL'),
    restart: launch,
    async stop() {
      await end('SIGTERM');
      clearInterval(sampler);
    },
  };
}

export { writeWorkflowBundle } from '../worker/create-worker';

/** Runs `work` over `items`, at most `limit` at once. */
export async function mapLimit<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
