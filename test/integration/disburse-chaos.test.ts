import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDisbursementChaos } from '../../bench/disbursement-chaos';
import { createDatabase } from '../../db/client';
import { createTestDatabase } from '../support/stack';

const HOUSEHOLDS = 3_000;
const INVALID_EVERY = 40;

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;

beforeAll(async () => {
  testDb = await createTestDatabase('disburse_chaos');
  dir = await mkdtemp(join(tmpdir(), 'jigi-chaos-'));
});
afterAll(async () => {
  await testDb?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('disbursement under chaos', () => {
  it(
    'with faults injected, the worker SIGKILLed twice, Temporal and the agency restarted: nobody paid twice, nobody lost, totals equal to the franc',
    { timeout: 240_000 },
    async () => {
      const report = await runDisbursementChaos({
        databaseUrl: testDb.url,
        // Its own Temporal dev server on a SQLite file, so a restart keeps the runs (not the suite's shared one).
        dir,
        households: HOUSEHOLDS,
        perCommune: 500,
        agencies: 2,
        batchSize: 50,
        // One request per payment, 150 a second per agency: the run lasts long enough to be hit.
        bulkSize: null,
        ratePerSecond: 150,
        maxInFlight: 4,
        workerKills: 2,
        invalidEvery: INVALID_EVERY,
        faults: { errorRate: 0.03, timeoutAfterCommitRate: 0.03, invalidAccountSuffixes: ['99'], latencyMs: 1, latencyJitterMs: 4 },
        log: () => {},
      });
      expect(report).toMatchObject({ workerKills: 2, temporalRestarts: 1, simRestarts: 1 });
      expect(report.beneficiaries).toBe(HOUSEHOLDS);
      expect(report.paidTwice).toBe(0);
      expect(report.lost).toBe(0);
      expect(report.confirmedNotPaid).toBe(0);
      expect(report.paidNotConfirmed).toBe(0);
      expect(report.failedWithReason).toBe(HOUSEHOLDS / INVALID_EVERY);
      expect(report.paidOnce).toBe(HOUSEHOLDS - HOUSEHOLDS / INVALID_EVERY);
      expect(report.ledgerTotalFcfa).toBe(report.statementTotalFcfa);
      expect(report.ledgerTotalFcfa).toBe(report.paidOnce * 90_000);

      // The faults did happen and were settled by asking the agency, not by sending again.
      const database = createDatabase(testDb.url, { max: 1 });
      try {
        const [row] = await database.sql<Array<{ ambiguous: number; invalid: number }>>`
          select count(*) filter (where h.to_status = 'ambiguous')::int as ambiguous,
                 count(distinct p.id) filter (where p.failure_reason = 'invalid-account')::int as invalid
          from payment_status_history h join payments p on p.id = h.payment_id where p.cycle_id = ${report.cycleId}`;
        expect(row!.ambiguous).toBeGreaterThan(0);
        expect(row!.invalid).toBe(HOUSEHOLDS / INVALID_EVERY);
      } finally {
        await database.close();
      }
    },
  );
});
