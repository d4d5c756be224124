// The grievance console against a real API, worker, Temporal and the payment-agency simulator: a
// complaint filed by a hotline through the API appears in the officer's list without a reload; the
// officer proposes a corrective payment on the case page, a payment operator approves it on theirs,
// and the officer's case page shows the payment confirmed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cycleFundingSources, cycles, households, paymentAgencies } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import { mobilisedAgencyFor } from '../support/procurement';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import type { TestStack } from '../support/stack';
import { createUser, signInAs, type TestUser } from '../support/users';
import { newPage, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

const CREDENTIAL_ENV = 'JIGI_TEST_AGENCY_CREDENTIAL';
const KAY1 = { level: 'commune' as const, region: 'KAY', commune: 'KAY-001' };
let stack: TestStack;
let sim: SimProcess;
let hotline: ApiSession & { user: TestUser };
const cycleId = randomUUID();

describe('the grievance console', () => {
  beforeAll(async () => {
    // The in-process worker reads agencies' credentials from its environment.
    process.env[CREDENTIAL_ENV] = 'jigi-worker';
    sim = await startSimProcess();
    let baseUrl: string;
    ({ baseUrl, stack } = await startConsole('browser_grievances', { worker: true }));
    const { db } = stack.database;
    await db.insert(households).values({ rsuId: 'RSU-KAY-BRW-01', headName: 'Mariam Traoré', sex: 'F', birthYear: 1979, phone: '+22376004411', communeCode: 'KAY-001', village: 'Kalaban', householdSize: 7, foodInsecure: true, covidCase: false, covidHit: true });
    await db.insert(cycles).values({ id: cycleId, name: 'Transfert d’urgence COVID-19 2021', transferAmountFcfa: 90_000, targetHouseholds: 10, workflowId: `cycle:${cycleId}`, createdBy: 'test' });
    await db.insert(cycleFundingSources).values({ cycleId, source: 'world-bank-af2', amountFcfa: 10_000_000 });
    await mobilisedAgencyFor(stack.database, cycleId, [KAY1]);
    await db.insert(paymentAgencies).values({ id: `sim-brw-${cycleId.slice(0, 6)}`, name: 'Orange Money (simulateur)', kind: 'mobile-money', baseUrl: sim.url, credentialRef: CREDENTIAL_ENV, lots: [KAY1], ratePerSecond: 20 });
    hotline = await signInAs(stack.database, baseUrl, ['grievance-officer'], { level: 'national' });
  }, 240_000);

  afterAll(async () => {
    await stopConsole();
    await sim?.stop();
  });

  test('a filed grievance appears live; the officer proposes a corrective payment, an operator approves it, and the case shows it confirmed', { timeout: 180_000 }, async () => {
    const officer = await createUser(stack.database, ['grievance-officer'], KAY1, 'awa.diallo');
    const operator = await createUser(stack.database, ['payment-operator'], { level: 'national' }, 'paiements');
    const list = await newPage();
    const approvals = await newPage();
    try {
      await signInThroughPage(list.page, officer, '/plaintes');
      await list.page.getByTestId('grievances').waitFor({ timeout: WAIT_MS });

      const filed = await hotline.call('POST', '/api/grievances/cases', {
        category: 'wrong-amount',
        complainant: { kind: 'household', phone: '76 00 44 11' },
        cycleId,
        description: 'A reçu 45 000 FCFA au lieu de 90 000 FCFA',
      });
      expect(filed.status, JSON.stringify(filed.body)).toBe(201);
      const reference = filed.body.case.reference as string;
      const row = list.page.locator(`[data-testid="grievance-row"][data-reference="${reference}"]`);
      await row.waitFor({ timeout: WAIT_MS });
      await screenshots(list.page, 'grievances-list');

      await row.locator('a').click();
      const casePage = list.page;
      await casePage.locator('[data-testid="grievance-case"][data-status="received"]').waitFor({ timeout: WAIT_MS });
      await casePage.getByTestId('act-acknowledge').click();
      await casePage.locator('[data-testid="grievance-case"][data-status="acknowledged"]').waitFor({ timeout: WAIT_MS });
      await casePage.getByTestId('act-investigate').click();
      await casePage.locator('[data-testid="grievance-case"][data-status="under-investigation"]').waitFor({ timeout: WAIT_MS });
      await casePage.getByTestId('payment-amount').fill('45000');
      await casePage.getByTestId('payment-reason').fill('Complément du premier paiement');
      await casePage.getByTestId('act-propose-payment').click();
      await casePage.locator('[data-testid="corrective-payment"][data-payment-status="proposed"]').waitFor({ timeout: WAIT_MS });

      await signInThroughPage(approvals.page, operator, '/plaintes/paiements');
      const proposal = approvals.page.locator(`[data-testid="proposal-row"][data-reference="${reference}"]`);
      await proposal.waitFor({ timeout: WAIT_MS });
      await screenshots(approvals.page, 'grievances-approvals');
      await proposal.getByTestId('approve-payment').click();
      await proposal.waitFor({ state: 'detached', timeout: WAIT_MS });

      // The officer's page moves on its own as the agency pays.
      await casePage.locator('[data-testid="corrective-payment"][data-payment-status="confirmed"]').waitFor({ timeout: 60_000 });
      await screenshots(casePage, 'grievances-case-paid');
      await casePage.getByTestId('answer').fill('Le complément de 45 000 FCFA a été payé sur votre compte Orange Money.');
      await casePage.getByTestId('act-resolve').click();
      await casePage.locator('[data-testid="grievance-case"][data-status="resolved"]').waitFor({ timeout: WAIT_MS });
    } finally {
      await list.context.close();
      await approvals.context.close();
    }
  });

  test("an escalation alerts the officer's console at once, with a link to the case", { timeout: 60_000 }, async () => {
    const officer = await createUser(stack.database, ['grievance-officer'], { level: 'region', region: 'KAY' }, 'kadiatou.sidibe');
    const filed = await hotline.call('POST', '/api/grievances/cases', {
      category: 'non-payment',
      complainant: { kind: 'household', rsuId: 'RSU-KAY-BRW-01' },
      cycleId,
      description: 'Pas de paiement reçu',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const reference = filed.body.case.reference as string;
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, officer, '/plaintes');
      await page.locator(`[data-testid="grievance-row"][data-reference="${reference}"]`).waitFor({ timeout: WAIT_MS });
      // Once the console is in its room (on a loaded machine the page shows before the socket joins).
      await page.locator('[data-testid="grievance-list"][data-live="joined"]').waitFor({ timeout: WAIT_MS });
      // The notice the case workflow sends when its deadline passes (its timers are tested in grievance-workflow.test.ts).
      const notice = { reference, region: 'KAY', commune: 'KAY-001', kind: 'escalated', version: 99, alert: { kind: 'escalated', level: 'region' } };
      await stack.database.sql`select pg_notify('jigi_grievances', ${JSON.stringify(notice)})`;
      const alert = page.getByTestId('grievance-alert');
      await alert.waitFor({ timeout: WAIT_MS });
      expect(await alert.textContent()).toContain(reference);
      expect(await alert.locator('a').getAttribute('href')).toContain(`/plaintes/${reference}`);
      await screenshots(page, 'grievances-alert');
      await alert.getByRole('button').click();
      await alert.waitFor({ state: 'detached', timeout: WAIT_MS });
      // Figures per cycle: this cycle's two cases, none for a cycle without complaints.
      await page.getByTestId('filter-cycle').selectOption(cycleId);
      await page.getByRole('button', { name: 'Filtrer' }).click();
      await page.waitForURL(/cycle=/, { timeout: WAIT_MS });
      await expect.poll(() => page.getByTestId('grievance-figures').locator('strong').first().textContent(), { timeout: WAIT_MS }).toBe('2');
      await page.goto(page.url().replace(cycleId, randomUUID()));
      await expect.poll(() => page.getByTestId('grievance-figures').locator('strong').first().textContent(), { timeout: WAIT_MS }).toBe('0');
    } finally {
      await context.close();
    }
  });
});
