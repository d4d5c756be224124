// The duplicate review page against a real API, worker and Temporal: a file with duplicates imported,
// then a pair merged from the page.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { households } from '../../db/schema';
import { signIn } from '../../scripts/api-session';
import { csv, household } from '../support/register-rows';
import type { TestStack } from '../support/stack';
import { newPage, onPath, person, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
let stack: TestStack;

const FILE = [
  household(1),
  household(2, { nina: household(1).nina, household_size: '11', village: 'Sévaré' }),
  household(3),
  household(4, { phone: household(3).phone }),
  household(5),
];

describe('the duplicate review page', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('browser_duplicates'));
  });

  afterAll(() => stopConsole());

  test('an M&E officer compares two records, merges them, and the queue moves on', { timeout: 120_000 }, async () => {
    const officer = await person(['me-officer'], 'oumar.sangare');
    const api = await signIn(baseUrl, officer.username, officer.password);
    const started = await api.call('POST', '/api/register/imports?fileName=doublons-kayes.csv&format=csv', csv(FILE), { 'content-type': 'text/csv' });
    const importId = started.body.import.id as string;
    await expect.poll(async () => (await api.call('GET', `/api/register/imports/${importId}`)).body.import.duplicatePairs, { timeout: 60_000 }).toBe(2);

    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, officer, '/registre');
      await expect(page.getByTestId('import-duplicates').textContent()).resolves.toContain('2 doublon');
      await page.getByTestId('duplicates-link').click();
      await onPath(page, '/registre/doublons');
      await expect(page.getByTestId('duplicate-row').count()).resolves.toBe(2);
      await expect(page.getByTestId('duplicate-reason').allTextContents()).resolves.toEqual(['Même NINA', 'Même téléphone']);

      await page.getByTestId('duplicate-review').first().click();
      const panel = page.getByTestId('duplicate-review-panel');
      await panel.waitFor({ timeout: WAIT_MS });
      await expect(panel.locator('[data-field="householdSize"]').getAttribute('data-differs')).resolves.toBe('true');
      await expect(panel.locator('[data-field="nina"]').getAttribute('data-differs')).resolves.toBe('false');
      await page.getByTestId('take-householdSize').check();
      await page.getByTestId('duplicate-note').fill('Même chef de ménage, taille mise à jour par la collecte');
      await screenshots(page, 'duplicates-review');

      await page.getByTestId('decide-merge').click();
      await page.getByTestId('duplicate-done').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('duplicate-done').textContent()).resolves.toContain('fusionnées');
      // Refetched: the merged pair has left the "to review" queue.
      await expect.poll(() => page.getByTestId('duplicate-row').count(), { timeout: WAIT_MS }).toBe(1);
      await expect(panel.getAttribute('data-status')).resolves.toBe('merged');
      await screenshots(page, 'duplicates-merged');

      const [kept] = await stack.database.db.select().from(households).where(eq(households.rsuId, household(1).rsu_id));
      const [other] = await stack.database.db.select().from(households).where(eq(households.rsuId, household(2).rsu_id));
      expect([kept!.householdSize, kept!.village, other!.duplicateOf]).toEqual([11, 'Kalaban', household(1).rsu_id]);
    } finally {
      await context.close();
    }
  });
});
