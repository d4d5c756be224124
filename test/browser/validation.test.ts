// The community validation page against a real API, worker and Temporal: the per-region table moving
// live as lists are decided elsewhere, a focal point returning a list with changes from the page, four
// eyes refusing their own approval, and another person's approval reaching the page.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { households } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import type { TestStack } from '../support/stack';
import { demoCycleInput } from '../support/stack';
import { selectForTargeting } from '../support/targeting';
import { createUser, signInAs, type TestUser } from '../support/users';
import { newPage, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
let stack: TestStack;
/** A coordinator and an M&E officer working elsewhere, through the API. */
let coordinator: ApiSession & { user: TestUser };
let meOfficer: ApiSession & { user: TestUser };
const rsu = (n: number) => `RSU-${String(n).padStart(10, '0')}`;
const meetings = { assemblyOn: '2021-03-02', assemblyAttendees: 120, committeeOn: '2021-03-04' };

describe('the community validation page', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('browser_validation', { worker: true }));
    [coordinator, meOfficer] = await Promise.all([signInAs(stack.database, baseUrl, ['coordinator']), signInAs(stack.database, baseUrl, ['me-officer'])]);
    await stack.database.db.insert(households).values(
      [1, 2, 3, 4, 5, 6].map((n) => ({
        rsuId: rsu(n),
        headName: `Chef de ménage ${n}`,
        sex: 'M' as const,
        birthYear: 1960 + n,
        phone: `+2236600000${n}`,
        communeCode: n <= 3 ? 'KAY-001' : n <= 5 ? 'KAY-002' : 'MOP-001',
        village: n <= 3 ? 'Kalaban' : 'Diamou',
        householdSize: 5,
        foodInsecure: true,
        covidCase: false,
        covidHit: true,
      })),
    );
  });

  afterAll(() => stopConsole());

  test('the region table moves live and a returned list waits for another person’s approval', { timeout: 120_000 }, async () => {
    const created = await coordinator.call('POST', '/api/cycles', { ...demoCycleInput(), settings: { trainingGateWaived: true } });
    const id = created.body.cycle.id as string;
    await expect.poll(async () => (await coordinator.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase, { timeout: WAIT_MS }).toBe('training');
    await coordinator.call('POST', `/api/cycles/${id}/phases/training/complete`, {});
    await selectForTargeting(stack.database, id, [1, 2, 4, 5, 6].map(rsu));
    expect((await meOfficer.call('POST', `/api/cycles/${id}/lists/send`)).status).toBe(200);

    const focal = await createUser(stack.database, ['focal-point'], { level: 'region', region: 'KAY' }, 'fatoumata.diarra');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, focal, `/cycles/${id}/validation`);
      const kayes = page.locator('[data-testid="region-row"][data-region="KAY"]');
      await expect(kayes.getByTestId('region-approved').textContent()).resolves.toBe('0 / 2');
      // A regional focal point sees their region only.
      await expect(page.getByTestId('region-row').count()).resolves.toBe(1);

      // Decided elsewhere: the row moves without a reload.
      expect((await coordinator.call('POST', `/api/cycles/${id}/lists/communes/KAY-002/decision`, { decision: 'approve', meetings })).status).toBe(200);
      await page.waitForFunction(() => document.querySelector('[data-region="KAY"] [data-testid="region-approved"]')?.textContent === '1 / 2', null, { timeout: WAIT_MS });

      await kayes.getByRole('button').first().click();
      const row = page.locator('[data-testid="commune-row"][data-commune="KAY-001"]');
      await row.waitFor({ timeout: WAIT_MS });
      await row.getByRole('button').click();
      const panel = page.getByTestId('list-panel');
      await panel.waitFor({ timeout: WAIT_MS });
      await expect(panel.getByTestId('list-entry').count()).resolves.toBe(2);

      await panel.getByTestId('assembly-attendees').fill('85');
      await panel.getByTestId('add-change').click();
      await panel.getByTestId('change-rsu').fill(rsu(3));
      await panel.getByTestId('change-action').selectOption('add');
      await panel.getByTestId('change-reason').fill('Ménage très pauvre retenu par l’assemblée');
      await panel.getByTestId('return-list').click();
      await panel.getByTestId('list-review').waitFor({ timeout: WAIT_MS });
      await expect(row.getByTestId('list-status').getAttribute('data-status')).resolves.toBe('change-proposed');
      await expect(panel.getByTestId('four-eyes-hint').isVisible()).resolves.toBe(true);

      // Four eyes: whoever prepared the changes is told so and cannot review them.
      await expect(panel.getByTestId('four-eyes-hint').textContent()).resolves.toContain('une autre personne habilitée');
      await expect(panel.getByTestId('approve-changes').isDisabled()).resolves.toBe(true);
      await screenshots(page, 'validation-four-eyes');

      expect((await meOfficer.call('POST', `/api/cycles/${id}/lists/communes/KAY-001/review`, { approve: true })).status).toBe(200);
      await page.waitForFunction(() => document.querySelector('[data-commune="KAY-001"] [data-testid="list-status"]')?.getAttribute('data-status') === 'awaiting-decision', null, {
        timeout: WAIT_MS,
      });
      await expect(panel.getByTestId('list-entry').count()).resolves.toBe(3);
      await panel.getByTestId('approve-list').click();
      await page.waitForFunction(() => document.querySelector('[data-region="KAY"] [data-testid="region-approved"]')?.textContent === '2 / 2', null, { timeout: WAIT_MS });
      await screenshots(page, 'validation-approved');
    } finally {
      await context.close();
    }
  });
});
