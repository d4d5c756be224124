// The procurement console against a real API, worker and Temporal: one officer submits a step from the
// case page, a second officer sees it arrive in their inbox without reloading and approves it, and the
// coordinator's board of the cycle moves to the next step.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiSession } from '../../scripts/api-session';
import type { TestStack } from '../support/stack';
import { demoCycleInput } from '../support/stack';
import { createUser, signInAs, type TestUser } from '../support/users';
import { newPage, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
let stack: TestStack;
let coordinator: ApiSession & { user: TestUser };

describe('the procurement console', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('browser_procurement', { worker: true }));
    coordinator = await signInAs(stack.database, baseUrl, ['coordinator']);
  });

  afterAll(() => stopConsole());

  test('a step submitted by one officer reaches the second officer’s inbox live, is approved there, and the board moves', { timeout: 150_000 }, async () => {
    const created = await coordinator.call('POST', '/api/cycles', demoCycleInput('Transfert d’urgence COVID-19 2021'));
    const cycleId = created.body.cycle.id as string;
    const awa = await createUser(stack.database, ['procurement-officer'], { level: 'national' }, 'awa.keita');
    const moussa = await createUser(stack.database, ['procurement-officer'], { level: 'national' }, 'moussa.sangare');
    const boss = await createUser(stack.database, ['coordinator'], { level: 'national' }, 'coordination');

    const first = await newPage();
    const second = await newPage();
    const board = await newPage();
    try {
      // The first officer opens the centre lot's case from the cycle's board.
      await signInThroughPage(first.page, awa, `/cycles/${cycleId}/achats`);
      const form = first.page.getByTestId('open-case-form');
      await form.locator('#case-title').fill('Agence de paiement — lot Centre');
      await form.getByLabel('Ségou').check();
      await form.getByLabel('Mopti').check();
      await form.locator('button[type="submit"]').click();
      const row = first.page.getByTestId('procurement-case-row');
      await row.waitFor({ timeout: WAIT_MS });
      const caseId = (await row.getAttribute('data-case'))!;

      await signInThroughPage(second.page, moussa, '/achats');
      await second.page.goto(`${baseUrl}/achats?filtre=second-signature`);
      await second.page.locator('[data-testid="procurement-inbox"][data-filter="second-signature"]').waitFor({ timeout: WAIT_MS });
      await second.page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      await second.page.getByTestId('procurement-empty').waitFor({ timeout: WAIT_MS });

      await signInThroughPage(board.page, boss, `/cycles/${cycleId}/achats`);
      const boardRow = board.page.locator(`[data-testid="procurement-case-row"][data-case="${caseId}"]`);
      await expect(boardRow.getAttribute('data-step')).resolves.toBe('terms-drafted');

      // The first officer submits the terms of reference from the case page.
      await row.locator(`a[href="/achats/${caseId}"]`).click();
      await first.page.locator('[data-testid="procurement-case"][data-step="terms-drafted"]').waitFor({ timeout: WAIT_MS });
      await first.page.locator('#comment').fill('TdR du recrutement de l’agence de paiement, lot Centre');
      await first.page.locator('#documents').fill('TdR-AP-Centre-2021.pdf');
      await first.page.getByTestId('act-submit').click();
      await first.page.locator('[data-testid="step"][data-key="terms-drafted"][data-status="submitted"]').waitFor({ timeout: WAIT_MS });
      // Four eyes: the preparer is offered no approval.
      await expect(first.page.getByTestId('act-approve').count()).resolves.toBe(0);

      // The second officer's inbox shows it without a reload.
      const waiting = second.page.locator(`[data-testid="procurement-case-row"][data-case="${caseId}"]`);
      await waiting.waitFor({ timeout: WAIT_MS });
      await screenshots(second.page, 'procurement-inbox');
      await waiting.locator('a').click();
      await second.page.getByTestId('act-approve').waitFor({ timeout: WAIT_MS });
      await second.page.locator('#comment').fill('Conformes au modèle de la Banque');
      const approvedAt = Date.now();
      await second.page.getByTestId('act-approve').click();

      // The board and the first officer's page move to the internal review, live.
      await board.page.locator(`[data-testid="procurement-case-row"][data-case="${caseId}"][data-step="internal-review"]`).waitFor({ timeout: WAIT_MS });
      await first.page.locator('[data-testid="procurement-case"][data-step="internal-review"]').waitFor({ timeout: WAIT_MS });
      expect(Date.now() - approvedAt).toBeLessThan(5_000);
      await expect(first.page.locator('[data-testid="action"][data-kind="approve"]').count()).resolves.toBe(1);
      await screenshots(first.page, 'procurement-case');
      await screenshots(board.page, 'procurement-board');

      // The cycle page names the lot that waits on this case before payments may start there.
      await board.page.getByRole('link', { name: /Retour au cycle/ }).click();
      const gate = board.page.locator(`[data-testid="gate"][data-case="${caseId}"]`);
      await gate.waitFor({ timeout: WAIT_MS });
      await expect(gate.getAttribute('data-open')).resolves.toBe('false');
      await screenshots(board.page, 'procurement-cycle-gates');
    } finally {
      await Promise.all([first.context.close(), second.context.close(), board.context.close()]);
    }
  });

  test('an administrator shortens a step’s deadline: the chain gets a new version', { timeout: 60_000 }, async () => {
    const admin = await createUser(stack.database, ['admin'], { level: 'national' }, 'admin.passation');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, admin, '/achats/modeles');
      const rfq = page.locator('[data-testid="template"][data-key="rfq"]');
      await expect(rfq.getAttribute('data-version')).resolves.toBe('1');
      await rfq.getByLabel('Délai (jours) – Ouverture des cotations').fill('1,5');
      await rfq.locator('button[type="submit"]').click();
      await page.locator('[data-testid="template"][data-key="rfq"][data-version="2"]').waitFor({ timeout: WAIT_MS });
      const saved = await coordinator.call('GET', '/api/procurement/templates');
      const steps = saved.body.templates.find((t: { key: string }) => t.key === 'rfq').steps;
      expect(steps[1].deadlineSeconds).toBe(129_600);
      await screenshots(page, 'procurement-templates');
    } finally {
      await context.close();
    }
  });
});
