// A disbursement under chaos, shared by `npm run chaos:disburse` and the chaos test: the simulator
// injects transient errors, ambiguous timeouts and invalid accounts while the worker is SIGKILLed,
// the Temporal dev server (persistent SQLite, its own) restarted once and the simulator restarted on
// its ledger file once. Then the ledger is reconciled with the simulator's own statement.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { startApiServer } from '../api/server';
import { createDatabase } from '../db/client';
import type { SimFaults } from '../scripts/provider-sim/server';
import { freePort, startTemporalDevServer } from '../scripts/stack/temporal-dev-server';
import { startSimProcess } from '../test/support/provider-sim';
import { buildLists, createSigners, followPayments, progressPrinter, reconcileWithStatement, releaseLists, seedDisbursement, startRuns, startWorkerProcess, writeWorkflowBundle, type Reconciliation } from './disbursement';

export interface ChaosOptions {
  databaseUrl: string;
  /** Where the Temporal SQLite file and the simulator's ledger file live. */
  dir: string;
  households: number;
  perCommune: number;
  agencies: number;
  batchSize: number;
  bulkSize: number | null;
  ratePerSecond: number;
  maxInFlight: number;
  /** At least two; spread over the run. */
  workerKills: number;
  invalidEvery: number;
  faults: Partial<SimFaults>;
  log: (line: string) => void;
}

export interface ChaosReport extends Reconciliation {
  cycleId: string;
  expectedInvalid: number;
  workerKills: number;
  temporalRestarts: number;
  simRestarts: number;
  workerPeakRssMb: number;
  seconds: number;
}

type Disruption = { at: number; what: 'kill-worker'; alsoSimulator: boolean } | { at: number; what: 'restart-temporal' };

/** Kills spread over the run (the second takes the simulator down with it), the Temporal restart between the first two. */
export function disruptionPlan(workerKills: number): Disruption[] {
  const plan: Disruption[] = [{ at: 0.3, what: 'restart-temporal' }];
  for (let k = 0; k < workerKills; k += 1) plan.push({ at: 0.1 + (0.7 * k) / Math.max(1, workerKills - 1), what: 'kill-worker', alsoSimulator: k === 1 });
  return plan.sort((a, b) => a.at - b.at);
}

/** A workflow's result, waited for across a Temporal restart (the connection comes back; the workflow never left). */
async function resultAcrossRestarts(handle: WorkflowHandle): Promise<unknown> {
  for (;;) {
    try {
      return await handle.result();
    } catch (err) {
      if (err instanceof WorkflowFailedError) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

export async function runDisbursementChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { log } = options;
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const port = await freePort();
    const dbFile = join(options.dir, 'temporal.sqlite');
    let temporal = await startTemporalDevServer({ dbFile, port, uiPort: false, log });
    stops.push(() => temporal.stop());
    const sim = await startSimProcess({ ledgerFile: join(options.dir, 'agency.jsonl'), faults: options.faults });
    stops.push(() => sim.stop());
    const database = createDatabase(options.databaseUrl, { max: 4 });
    stops.unshift(() => database.close());
    const connection = await Connection.connect({ address: temporal.address });
    stops.unshift(() => connection.close());
    const client = new Client({ connection });
    const taskQueue = `chaos-disburse-${randomUUID().slice(0, 8)}`;
    const api = await startApiServer({ database, temporal: client, taskQueue, port: 0, host: '127.0.0.1', filesDir: options.dir });
    stops.unshift(() => api.close());
    const signers = await createSigners(database, api.url);

    log(`seeding ${options.households.toLocaleString('en')} households, building and releasing their lists…`);
    const seeded = await seedDisbursement(database, { ...options, simUrl: sim.url }, 'Chaos');
    const batches = await buildLists(database, seeded, options.batchSize);
    await releaseLists(signers, seeded);
    const worker = await startWorkerProcess({ databaseUrl: options.databaseUrl, temporalAddress: temporal.address, taskQueue, credential: 'jigi-chaos', workflowBundle: await writeWorkflowBundle(options.dir) });
    stops.unshift(() => worker.stop());
    const follow = await followPayments(database, seeded.cycleId);
    stops.unshift(() => follow.stop());

    const report = { workerKills: 0, temporalRestarts: 0, simRestarts: 0 };
    const started = performance.now();
    const stopProgress = progressPrinter('chaos', options.households, follow.counts, log, () => `, worker kills ${report.workerKills}, Temporal restarts ${report.temporalRestarts}, simulator restarts ${report.simRestarts}`);
    stops.unshift(async () => stopProgress());
    const runs = await startRuns(client, taskQueue, seeded, batches, options.maxInFlight);
    const finished = Promise.all(runs.map((r) => resultAcrossRestarts(r)));
    let done = false;
    void finished.finally(() => (done = true)).catch(() => {});

    for (const step of disruptionPlan(options.workerKills)) {
      // Waits until that share of the payments is settled; a run that finishes first skips the rest (the report counts what happened).
      while (!done) {
        const { confirmed, failed } = follow.counts();
        if (confirmed + failed >= step.at * options.households) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (done) break;
      if (step.what === 'kill-worker') {
        await worker.kill();
        report.workerKills += 1;
        log(`SIGKILLed the worker (${report.workerKills})`);
        if (step.alsoSimulator) {
          await sim.kill();
          log('SIGKILLed the simulator');
        }
        await worker.restart();
        if (step.alsoSimulator) {
          // The new worker meets an agency that does not answer for a moment: its sends are ambiguous.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          await sim.restart();
          report.simRestarts += 1;
          log('simulator restarted on its ledger file');
        }
      } else if (step.what === 'restart-temporal') {
        await temporal.stop();
        temporal = await startTemporalDevServer({ dbFile, port, uiPort: false, log }).catch(async (err: unknown) => {
          // The dev server itself has been seen to crash once while starting on its file right after a stop
          // (a Go panic, exit 2): that is the test bench's server, not the product; one more start, logged.
          log(`Temporal dev server failed to restart, starting it once more: ${err instanceof Error ? err.message : String(err)}`);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          return startTemporalDevServer({ dbFile, port, uiPort: false, log });
        });
        report.temporalRestarts += 1;
        log('Temporal dev server restarted on its SQLite file');
      }
    }
    await finished;
    stopProgress();
    const seconds = (performance.now() - started) / 1000;
    log(`runs finished in ${seconds.toFixed(1)} s; reconciling with the simulator's statement…`);
    const reconciliation = await reconcileWithStatement(database, sim.url, seeded.cycleId);
    const expectedInvalid = options.invalidEvery > 0 ? Math.floor(options.households / options.invalidEvery) : 0;
    return { cycleId: seeded.cycleId, ...reconciliation, expectedInvalid, ...report, workerPeakRssMb: worker.peakRssMb(), seconds: Number(seconds.toFixed(1)) };
  } finally {
    for (const stop of stops) await stop().catch((err: unknown) => log(`teardown: ${String(err)}`));
  }
}
