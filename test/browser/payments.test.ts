// The payments pages against a real API, worker, Temporal and the agency simulator: a run with invalid
// wallet numbers shows its failures arriving in the queue and its figures moving, without a reload;
// then an operator corrects a phone number, retries, and watches the payment turn confirmed.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseWorkflowId } from '../../domain/ids';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import type { ApiSession } from '../../scripts/api-session';
import type { DisbursementPhaseInput } from '../../workflows/disbursement';
import { payableCycle, startPaymentRun, WORKER_AGENCY_ENV } from '../support/payment-run';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import type { TestStack } from '../support/stack';
import { createUser, signInAs, type TestUser } from '../support/users';
import { killProcess, startWorkerProcess } from '../support/worker-process';
import { newPage, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
let stack: TestStack;
let sim: SimProcess;
let worker: ChildProcess | null = null;
let signers: ApiSession[] = [];
let operator: TestUser;
let cycleId: string;
let invalidCount = 0;

describe('the payments pages', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('browser_payments', { worker: false }));
    sim = await startSimProcess({ faults: { invalidAccountSuffixes: ['99'], latencyMs: 5, latencyJitterMs: 5 } });
    worker = await startWorkerProcess(stack, WORKER_AGENCY_ENV);
    signers = await Promise.all((['payment-operator', 'coordinator', 'coordinator'] as const).map((role) => signInAs(stack.database, baseUrl, [role])));
    operator = await createUser(stack.database, ['payment-operator'], { level: 'national' }, 'awa.traore');
  }, 300_000);

  afterAll(() =>
    stopConsole(async () => {
      if (worker) await killProcess(worker);
      await sim?.stop();
    }),
  );

  it('failures arrive live in the queue and the progress figures move while a run goes on', { timeout: 180_000 }, async () => {
    const communes = [
      { region: 'KAY', commune: 'KAY-001' },
      { region: 'MOP', commune: 'MOP-001' },
    ];
    // 120 payments at 8 a second: a run of about 15 seconds, every tenth wallet number refused.
    const seeded = await payableCycle(stack, { communes, perCommune: 60, agencyId: 'sim-browser', agencyUrl: sim.url, ratePerSecond: 8, batchSize: 5, invalidEvery: 10, signers, name: 'Cycle 2021 – paiements' });
    cycleId = seeded.cycleId;
    invalidCount = seeded.households.filter((h) => h.phone.endsWith('99')).length;

    const { context, page: queue } = await newPage();
    try {
      await signInThroughPage(queue, operator, `/cycles/${cycleId}/paiements/echecs`);
      await queue.getByTestId('queue-empty').waitFor({ timeout: WAIT_MS });
      const progress = await context.newPage();
      await progress.goto(`${baseUrl}/cycles/${cycleId}/paiements`);
      const figures = progress.getByTestId('payment-figures');
      await figures.waitFor({ timeout: WAIT_MS });
      await progress.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      expect(await figures.getAttribute('data-in-flight')).toBe('120');
      await expect(progress.getByTestId('payment-list-row').count()).resolves.toBe(2);

      const handle = await startPaymentRun(stack, cycleId, 'sim-browser', seeded.lists, 2);
      // Paid figures seen on the progress page while the run moves, with no reload.
      const paidSeen = new Set<string>();
      let midRunShot = false;
      while ((await figures.getAttribute('data-in-flight')) !== '0') {
        paidSeen.add((await figures.getAttribute('data-paid')) ?? '');
        if (!midRunShot && Number(await figures.getAttribute('data-paid')) > 30) {
          midRunShot = true;
          await screenshots(progress, 'payments-progress-running');
          // Failures already in the queue while payments are still in flight.
          const rows = await queue.getByTestId('queue-row').count();
          expect(rows).toBeGreaterThan(0);
          expect(Number(await figures.getAttribute('data-in-flight'))).toBeGreaterThan(0);
          await screenshots(queue, 'payments-queue-running');
        }
        await progress.waitForTimeout(250);
      }
      await handle.result();
      expect(paidSeen.size).toBeGreaterThanOrEqual(4);
      expect(midRunShot).toBe(true);
      await expect.poll(() => figures.getAttribute('data-failed'), { timeout: WAIT_MS }).toBe(String(invalidCount));
      expect(await figures.getAttribute('data-paid')).toBe(String(120 - invalidCount));
      await expect.poll(() => queue.getByTestId('queue-row').count(), { timeout: WAIT_MS }).toBe(invalidCount);
      await expect(progress.getByTestId('figure-execution').textContent()).resolves.toMatch(/45\s?%/);
      await expect(progress.getByTestId('figure-time-left').textContent()).resolves.toBe('Terminé');
      await screenshots(progress, 'payments-progress-done');
      await screenshots(queue, 'payments-queue-done');
    } finally {
      await context.close();
    }
  });

  it('an operator corrects a phone number, retries, and sees the payment turn confirmed without reload', { timeout: 120_000 }, async () => {
    // Operators act through the cycle's disbursement phase: start it over the lists this file's run already sent.
    await stack.database.sql`update payment_lists set run_claim = 'sent by the first test' where cycle_id = ${cycleId}`;
    await stack.client.workflow.start(WORKFLOW_TYPES.disbursementPhase, {
      taskQueue: stack.taskQueue,
      workflowId: phaseWorkflowId(cycleId, 'disbursement'),
      args: [{ cycleId, phase: 'disbursement' } satisfies DisbursementPhaseInput],
    });
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, operator, `/cycles/${cycleId}/paiements/echecs`);
      // The progress page stays open beside the queue: it must move without reload.
      const progress = await context.newPage();
      await progress.goto(`${baseUrl}/cycles/${cycleId}/paiements`);
      await progress.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      const first = page.getByTestId('queue-row').first();
      const rsu = await first.getAttribute('data-rsu');
      await first.locator('input[type="checkbox"]').check();
      await page.getByTestId('action-retry').check();
      await page.getByTestId('action-phone').fill('+22376000001');
      await page.getByTestId('action-reason').fill('Numéro corrigé après appel au ménage');
      await screenshots(page, 'payments-retry-form');
      await page.getByTestId('action-submit').click();
      await page.getByTestId('action-done').waitFor({ timeout: WAIT_MS });
      // The row leaves the failed queue, and the failed count drops, live.
      await expect.poll(() => page.locator(`[data-testid="queue-row"][data-rsu="${rsu}"]`).count(), { timeout: WAIT_MS }).toBe(0);
      await expect.poll(() => page.getByTestId('failed-payments-page').getAttribute('data-failed'), { timeout: WAIT_MS }).toBe(String(invalidCount - 1));
      // On the progress page, without reload: one more paid.
      await expect.poll(() => progress.getByTestId('payment-figures').getAttribute('data-paid'), { timeout: WAIT_MS }).toBe(String(120 - invalidCount + 1));
      const [payment] = await stack.database.sql<Array<{ status: string; phone: string }>>`select status, phone from payments where rsu_id = ${rsu} and cycle_id = ${cycleId}`;
      expect(payment).toEqual({ status: 'confirmed', phone: '+22376000001' });
      await screenshots(page, 'payments-queue-after-retry');
    } finally {
      await context.close();
    }
  });
});
