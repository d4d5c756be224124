// The register page against a real API, worker and Temporal: a file imported with live progress, and a household revealed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { csv, household } from '../support/register-rows';
import { newPage, onPath, person, screenshot, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
const IMPORT_WAIT_MS = 120_000;

/** Several batches, so progress is pushed before the end; every 5,000th row is refused. */
const ROWS = 60_000;
const BAD_EVERY = 5_000;
const REJECTED = ROWS / BAD_EVERY;

function registerFile(): Buffer {
  const rows = Array.from({ length: ROWS }, (_, i) => household(i + 1, (i + 1) % BAD_EVERY === 0 ? { commune_code: 'XXX-999' } : {}));
  return Buffer.from(csv(rows));
}

describe('the register page', () => {
  beforeAll(async () => {
    ({ baseUrl } = await startConsole('browser_register'));
  });

  afterAll(() => stopConsole());

  test('an M&E officer uploads a file and watches it import, without reloading', { timeout: 180_000 }, async () => {
    const officer = await person(['me-officer'], 'awa.diarra');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, officer, '/');
      await page.getByTestId('nav-register').click();
      await onPath(page, '/registre');
      await expect(page.locator('h1').textContent()).resolves.toBe('Registre social unifié');
      await page.getByTestId('imports-empty').waitFor({ timeout: WAIT_MS });

      await page.getByTestId('import-file').setInputFiles({ name: 'rsu-kayes-mopti.csv', mimeType: 'text/csv', buffer: registerFile() });
      await expect(page.getByTestId('import-format').textContent()).resolves.toContain('CSV');
      // The import takes about a second: every running state the page shows is recorded as it shows it.
      await page.evaluate(() => {
        const seen: string[] = [];
        Object.assign(window, { progressSeen: seen });
        new MutationObserver(() => {
          const running = document.querySelector('[data-testid="import-row"][data-status="running"]');
          const bar = running?.querySelector('[data-testid="import-progress"]');
          if (bar && running) seen.push(`${bar.getAttribute('aria-valuenow')}|${running.textContent}`);
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      await page.getByTestId('import-submit').click();
      await page.getByTestId('import-sent').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('import-kind-initial').isChecked(), 'the kind stays chosen').resolves.toBe(true);

      const row = page.getByTestId('import-row').filter({ hasText: 'rsu-kayes-mopti.csv' });
      await row.waitFor({ timeout: WAIT_MS });
      await page.locator('[data-testid="import-row"][data-status="completed"]').waitFor({ timeout: IMPORT_WAIT_MS });
      // Pushed progress reached the page while the import ran: the bar below 100 %, with the time left.
      const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
      expect(seen.length, 'progress shown while running').toBeGreaterThan(0);
      expect(seen.some((s) => Number(s.split('|')[0]) < 100 && s.includes('temps restant'))).toBe(true);
      await expect(row.getByTestId('import-status').textContent()).resolves.toContain('Terminé');
      const count = (n: number) => new Intl.NumberFormat('fr-FR').format(n);
      await expect(row.getByTestId('import-read').textContent()).resolves.toBe(count(ROWS));
      await expect(row.getByTestId('import-accepted').textContent()).resolves.toBe(count(ROWS - REJECTED));
      await expect(row.getByTestId('import-rejected').textContent()).resolves.toBe(count(REJECTED));
      await expect(row.getByTestId('import-progress').count(), 'no bar once finished').resolves.toBe(0);

      const link = row.getByTestId('import-errors');
      const href = await link.getAttribute('href');
      expect(href).toMatch(/^\/api\/register\/imports\/[0-9a-f-]{36}\/errors\.csv$/);
      const report = await page.request.get(`${baseUrl}${href}`);
      expect(report.status()).toBe(200);
      const reportLines = (await report.text()).trim().split('\n');
      expect(reportLines[0]).toBe('row,field,reason');
      expect(reportLines).toHaveLength(REJECTED + 1);
      await screenshot(page, 'register-import');
    } finally {
      await context.close();
    }
  });

  test('a grievance officer finds a household with its NINA masked, then reveals it', { timeout: 90_000 }, async () => {
    const officer = await person(['grievance-officer'], 'fatoumata.keita');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, officer, '/registre');
      await expect(page.getByTestId('import-form').count(), 'no import without register.import').resolves.toBe(0);

      await page.getByTestId('household-q').fill('RSU-0000000042');
      await page.getByTestId('household-submit').click();
      const row = page.locator('[data-testid="household-row"][data-rsu-id="RSU-0000000042"]');
      await row.waitFor({ timeout: WAIT_MS });
      const masked = await row.getByTestId('household-nina').textContent();
      expect(masked).toMatch(/^•+ ?\w{1,4}$/);
      expect(masked).not.toContain('19830812340042K');
      await expect(page.getByTestId('reveal-note').textContent()).resolves.toContain('journal d’audit');
      await screenshot(page, 'register-search-masked');

      await row.getByTestId('household-reveal').click();
      await row.getByTestId('household-revealed').waitFor({ timeout: WAIT_MS });
      await expect(row.getByTestId('household-nina').textContent()).resolves.toBe('19830812340042K');
      await expect(row.getByTestId('household-phone').textContent()).resolves.toMatch(/^\+223\d{8}$/);
      await expect(row.textContent()).resolves.toContain('journal d’audit');
      await screenshot(page, 'register-search');
    } finally {
      await context.close();
    }
  });
});
