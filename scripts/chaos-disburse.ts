// `npm run chaos:disburse -- --households N [--kills K]`: N payments through the simulated agencies
// while it injects transient errors, ambiguous timeouts and invalid accounts, the worker is SIGKILLed
// K times, the Temporal dev server restarted once and the simulator once; then the ledger against
// the simulator's own statement. Progress on stderr; last line: one JSON object.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDisbursementChaos } from '../bench/disbursement-chaos';
import { adminUrl, log } from '../bench/support';
import { migrateDatabase } from '../db/migrate';
import { dropDatabase, ensureDatabase } from './stack/postgres';

const { values } = parseArgs({
  options: {
    households: { type: 'string', default: '10000' },
    kills: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '500' },
    'in-flight': { type: 'string', default: '4' },
  },
});
const households = Number(values.households);
const name = `jigi_chaos_${randomUUID().slice(0, 8)}`;
const dir = await mkdtemp(join(tmpdir(), 'jigi-chaos-'));
try {
  const databaseUrl = await ensureDatabase(adminUrl, name);
  await migrateDatabase(databaseUrl);
  const invalidEvery = 50;
  const report = await runDisbursementChaos({
    databaseUrl,
    dir,
    households,
    perCommune: Math.max(1_000, Math.ceil(households / 20)),
    agencies: 2,
    batchSize: Number(values['batch-size']),
    bulkSize: 100,
    ratePerSecond: 100,
    maxInFlight: Number(values['in-flight']),
    workerKills: Math.max(2, Number(values.kills)),
    invalidEvery,
    faults: { errorRate: 0.02, timeoutAfterCommitRate: 0.02, invalidAccountSuffixes: ['99'], latencyMs: 1, latencyJitterMs: 4 },
    log,
  });
  console.log(
    JSON.stringify({
      beneficiaries: report.beneficiaries,
      paidOnce: report.paidOnce,
      paidTwice: report.paidTwice,
      failedWithReason: report.failedWithReason,
      expectedInvalid: report.expectedInvalid,
      lost: report.lost,
      confirmedNotPaid: report.confirmedNotPaid,
      paidNotConfirmed: report.paidNotConfirmed,
      ledgerTotalFcfa: report.ledgerTotalFcfa,
      statementTotalFcfa: report.statementTotalFcfa,
      workerKills: report.workerKills,
      temporalRestarts: report.temporalRestarts,
      simulatorRestarts: report.simRestarts,
      workerPeakRssMb: report.workerPeakRssMb,
      seconds: report.seconds,
    }),
  );
} finally {
  await dropDatabase(adminUrl, name).catch((err: unknown) => log(`could not drop ${name}: ${String(err)}`));
  await rm(dir, { recursive: true, force: true });
}
