// The targeting page against a real API, worker and Temporal: rules saved, a run watched live,
// quotas drilled from regions to villages, and a household's outcome explained in words.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { households } from '../../db/schema';
import { communeVillages } from '../../scripts/rsu-villages';
import { demoCycleInput } from '../support/stack';
import { signInAs } from '../support/users';
import { newPage, onPath, person, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS, type ConsoleUnderTest } from './support';

let running: ConsoleUnderTest;
const COMMUNES = [
  ['KAY', 'KAY-001'],
  ['KAY', 'KAY-002'],
  ['MOP', 'MOP-001'],
  ['SIK', 'SIK-001'],
] as const;

/** 2,400 households in four villages of each of four communes; RSU-0000000007 has the greatest need of its village. */
function register() {
  return Array.from({ length: 2_400 }, (_, i) => {
    const [region, commune] = COMMUNES[i % COMMUNES.length]!;
    const villages = communeVillages(commune, region).slice(0, 4);
    return {
      rsuId: `RSU-${String(i).padStart(10, '0')}`,
      headName: 'Fatoumata Coulibaly',
      sex: 'F' as const,
      birthYear: 1960 + (i % 40),
      communeCode: commune,
      village: villages[Math.floor(i / COMMUNES.length) % villages.length]!,
      householdSize: i === 7 ? 14 : 1 + ((i * 7) % 14),
      foodInsecure: i % 3 !== 0,
      covidCase: i === 7 || i % 41 === 0,
      covidHit: i === 7 || i % 2 === 0,
      welfareScore: i === 7 ? 4 : 10 + ((i * 37) % 90),
    };
  });
}

describe('the targeting page', () => {
  beforeAll(async () => {
    running = await startConsole('browser_targeting', { worker: true });
    const rows = register();
    for (let i = 0; i < rows.length; i += 600) await running.stack.database.db.insert(households).values(rows.slice(i, i + 600));
  });

  afterAll(() => stopConsole());

  test('a coordinator sets the rules, runs the computation and explains a household, in French', { timeout: 180_000 }, async () => {
    const api = await signInAs(running.stack.database, running.baseUrl, ['coordinator']);
    const created = await api.call('POST', '/api/cycles', { ...demoCycleInput('Transfert COVID-19 ciblage'), targetHouseholds: 600, fundingSources: [{ source: 'world-bank-af2', amountFcfa: 54_000_000 }] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const cycleId = created.body.cycle.id as string;

    const coordinator = await person(['coordinator'], 'moussa.keita');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, coordinator, `/cycles/${cycleId}`);
      await page.getByTestId('phase-link-targeting').click();
      await onPath(page, `/cycles/${cycleId}/ciblage`);
      await expect(page.locator('h1').textContent()).resolves.toContain('Ciblage');
      await page.getByTestId('quotas-empty').waitFor({ timeout: WAIT_MS });

      await page.getByTestId('max-welfare').fill('70');
      await page.getByTestId('rules-save').click();
      await page.getByTestId('rules-saved').waitFor({ timeout: WAIT_MS });

      await page.getByTestId('run-start').click();
      await page.locator('[data-testid="targeting-run"][data-status="completed"]').waitFor({ timeout: 60_000 });
      await expect(page.getByTestId('run-selected').textContent()).resolves.toBe('600');

      // Regions, then Kayes's communes, then a commune's villages: quotas sum to the level above.
      await expect(page.getByTestId('quota-total').textContent()).resolves.toBe('600');
      await expect(page.getByTestId('quota-row').count()).resolves.toBe(3);
      const kayes = page.getByTestId('quota-row').filter({ hasText: 'Kayes' });
      const kayesQuota = await kayes.getByTestId('quota-quota').textContent();
      // No reload of the table in flight (the run's last events refetch it) when the drill-down is asked.
      await page.locator('[data-testid="quota-table"][aria-busy="false"]').waitFor({ timeout: WAIT_MS });
      await kayes.locator('button.open').click();
      await page.locator('[data-testid="quota-table"][data-level="commune"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('quota-total').textContent()).resolves.toBe(kayesQuota);
      await page.getByTestId('quota-row').first().locator('button.open').click();
      await page.locator('[data-testid="quota-table"][data-level="village"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('quota-row').count()).resolves.toBe(4);

      await page.getByTestId('explain-rsu').fill('RSU-0000000007');
      await page.getByTestId('explain-submit').click();
      await page.getByTestId('explanation').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('explanation-outcome').textContent()).resolves.toContain('Retenu');
      await expect(page.getByTestId('explanation-score').textContent()).resolves.toContain('Score de bien-être : 4, pour un seuil de 70.');
      await expect(page.getByTestId('explanation-rank').textContent()).resolves.toMatch(/Rang 1 sur \d+ ménages éligibles du village/);
      await screenshots(page, 'targeting-page');
    } finally {
      await context.close();
    }
  });
});
