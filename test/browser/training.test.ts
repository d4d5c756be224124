// The regional workshops page against a real API, worker and Temporal: the demo's workshops, a report
// recorded in the page, another pushed from elsewhere, the focal point's area, and a workshop turning
// late on the browser's clock with no request.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ApiSession } from '../../scripts/api-session';
import { seedDemoWorkshops } from '../../scripts/demo-cycle';
import type { TestStack } from '../support/stack';
import { demoCycleInput } from '../support/stack';
import { createUser, signInAs, type TestUser } from '../support/users';
import { newPage, onPath, person, screenshot, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
let stack: TestStack;
/** A coordinator working elsewhere, through the API. */
let elsewhere: ApiSession & { user: TestUser };
const createdCycles: string[] = [];

async function trainingCycle(): Promise<string> {
  const { status, body } = await elsewhere.call('POST', '/api/cycles', demoCycleInput());
  expect(status, JSON.stringify(body)).toBe(201);
  const id = body.cycle.id as string;
  createdCycles.push(id);
  await expect.poll(async () => (await elsewhere.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase, { timeout: WAIT_MS }).toBe('training');
  return id;
}

describe('the regional workshops page', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('browser_training'));
    elsewhere = await signInAs(stack.database, baseUrl, ['coordinator']);
  });

  afterAll(() => stopConsole(() => Promise.allSettled(createdCycles.map((id) => elsewhere.call('POST', `/api/cycles/${id}/cancel`, { reason: 'Fin du test navigateur' })))));

  test('an M&E officer records a late region’s report and sees it change to reported, with the counter moving', { timeout: 120_000 }, async () => {
    const id = await trainingCycle();
    await seedDemoWorkshops(elsewhere.call, id);
    const officer = await person(['me-officer'], 'aminata.coulibaly');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, officer, `/cycles/${id}`);
      const count = page.locator('[data-testid="phase-training"] [data-testid="training-count"]');
      await expect(count.textContent()).resolves.toContain('5/8 régions formées');
      const late = page.getByTestId('late-workshops');
      await expect(late.textContent()).resolves.toContain('3 ateliers en retard');
      await expect(late.getByTestId('late-regions').textContent()).resolves.toMatch(/Gao.*Kidal.*Tombouctou/);
      await screenshot(page, 'cycle-training-progress');

      await page.getByTestId('workshops-link').click();
      await onPath(page, `/cycles/${id}/ateliers`);
      const row = (region: string) => page.locator(`[data-testid="workshop-row"][data-region="${region}"]`);
      await expect(row('TOM').getAttribute('data-status')).resolves.toBe('late');
      await expect(row('KAY').getByTestId('workshop-participants').textContent()).resolves.toContain('60 / 57');

      await row('TOM').getByTestId('workshop-report').click();
      const form = page.getByTestId('workshop-form');
      await form.locator('#actualParticipants').fill('30');
      await form.locator('#trainersTrained').fill('31');
      await form.getByTestId('workshop-save').click();
      await expect(form.locator('#trainersTrained-error').textContent(), 'more trainers than participants is said beside the field').resolves.toContain('Pas plus de formateurs');
      await screenshot(page, 'workshop-report-form');
      await form.locator('#trainersTrained').fill('14');
      await form.locator('#notes').fill('Atelier reporté au 3 août, tenu au gouvernorat');
      await form.getByTestId('workshop-save').click();

      await page.locator('[data-testid="workshop-row"][data-region="TOM"][data-status="reported"]').waitFor({ timeout: WAIT_MS });
      await expect(row('TOM').getByTestId('workshop-status').textContent()).resolves.toContain('Rapport reçu');
      await expect(row('TOM').getByTestId('workshop-participants').textContent()).resolves.toContain('40 / 30');
      await expect(page.getByTestId('training-count').textContent()).resolves.toContain('6/8 régions formées');
      await expect(page.getByTestId('late-regions').textContent()).resolves.not.toContain('Tombouctou');

      // A report recorded elsewhere arrives without reloading.
      const pushed = await elsewhere.call('POST', `/api/cycles/${id}/workshops/GAO/report`, { actualParticipants: 38, trainersTrained: 17 });
      expect(pushed.status).toBe(200);
      await page.locator('[data-testid="workshop-row"][data-region="GAO"][data-status="reported"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('training-count').textContent()).resolves.toContain('7/8 régions formées');
      await expect(page.getByTestId('late-workshops').textContent()).resolves.toContain('1 atelier en retard');
      await screenshots(page, 'workshops');
    } finally {
      await context.close();
    }
  });

  test('a focal point of Mopti is offered Mopti’s workshop only', { timeout: 60_000 }, async () => {
    const id = await trainingCycle();
    await seedDemoWorkshops(elsewhere.call, id);
    const focalPoint = await createUser(stack.database, ['focal-point'], { level: 'region', region: 'MOP' }, 'awa.guindo');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, focalPoint, `/cycles/${id}/ateliers`);
      const mopti = page.locator('[data-testid="workshop-row"][data-region="MOP"]');
      await expect(mopti.getByTestId('workshop-report').textContent()).resolves.toContain('Corriger le rapport');
      await expect(mopti.getByTestId('workshop-plan').count()).resolves.toBe(1);
      await expect(page.locator('[data-testid="workshop-row"][data-region="KAY"] button').count()).resolves.toBe(0);
      await expect(page.locator('[data-testid="workshop-row"] button').count()).resolves.toBe(2);
    } finally {
      await context.close();
    }
  });

  test('a workshop turns late when its end date passes, on the browser’s clock, with no reload', { timeout: 60_000 }, async () => {
    const id = await trainingCycle();
    const today = new Date().toISOString().slice(0, 10);
    const planned = await elsewhere.call('PUT', `/api/cycles/${id}/workshops/KAY`, {
      chair: 'Gouverneur de la région de Kayes',
      place: 'Kayes',
      plannedStart: today,
      plannedEnd: today,
      plannedParticipants: 60,
    });
    expect(planned.status).toBe(201);
    const officer = await person(['me-officer'], 'seydou.keita');
    const { context, page } = await newPage();
    try {
      await page.clock.install({ time: new Date() });
      await signInThroughPage(page, officer, `/cycles/${id}/ateliers`);
      const kayes = page.locator('[data-testid="workshop-row"][data-region="KAY"]');
      await expect(kayes.getAttribute('data-status')).resolves.toBe('planned');
      await expect(page.getByTestId('late-workshops').count()).resolves.toBe(0);
      await page.clock.fastForward('24:00:00');
      await page.locator('[data-testid="workshop-row"][data-region="KAY"][data-status="late"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('late-regions').textContent()).resolves.toContain('Kayes');
    } finally {
      await context.close();
    }
  });
});
