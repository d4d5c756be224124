// The register page against a real API, worker and Temporal: a file imported with live progress, and a household revealed.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { currentTotp } from '../../api/auth/totp';
import { REGISTER_COLUMNS } from '../../domain/register';
import type { Role } from '../../domain/roles';
import { ensureConsoleBuilt } from '../../scripts/stack/console-build';
import { startTestStack, type TestStack } from '../support/stack';
import { createUser, type TestUser } from '../support/users';

let baseUrl: string;
let stack: TestStack;
let browser: Browser;
const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));
const WAIT_MS = 20_000;
const IMPORT_WAIT_MS = 120_000;
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Enough rows for the import to take a few seconds, so its progress shows; every 5,000th row is refused. */
const ROWS = 30_000;
const BAD_EVERY = 5_000;
const REJECTED = ROWS / BAD_EVERY;

type Row = Record<(typeof REGISTER_COLUMNS)[number], string>;

/** A household as the RSU files write it (test/integration/register-import.test.ts). */
function household(n: number, overrides: Partial<Row> = {}): Row {
  return {
    rsu_id: `RSU-${String(n).padStart(10, '0')}`,
    head_name: n % 3 ? 'Aminata Traoré' : 'Moussa Coulibaly',
    sex: n % 3 ? 'F' : 'M',
    birth_year: String(1950 + (n % 50)),
    nina: `${String(19830812340000 + n).padStart(14, '0')}K`,
    phone: `76 ${String(n % 100).padStart(2, '0')} ${String((n * 7) % 100).padStart(2, '0')} ${String((n * 13) % 100).padStart(2, '0')}`,
    commune_code: n % 2 ? 'KAY-001' : 'MOP-001',
    village: 'Kalaban',
    household_size: String(1 + (n % 12)),
    food_insecure: n % 4 ? '1' : '0',
    covid_case: '0',
    covid_hit: n % 2 ? 'oui' : 'non',
    welfare_score: n % 10 ? String((n % 100) + 0.5) : '',
    ...overrides,
  };
}

function registerFile(): Buffer {
  const lines = [REGISTER_COLUMNS.join(',')];
  for (let n = 1; n <= ROWS; n++) {
    const row = household(n, n % BAD_EVERY === 0 ? { commune_code: 'XXX-999' } : {});
    lines.push(REGISTER_COLUMNS.map((c) => row[c]).join(','));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

async function newPage(viewport = { width: 1280, height: 1000 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'fr-FR' });
  const page = await context.newPage();
  return { context, page };
}

const person = (roles: Role[], name: string) => createUser(stack.database, roles, { level: 'national' }, name);

const onPath = (page: Page, path: string) => page.waitForURL((url) => url.pathname === path, { timeout: WAIT_MS });

async function screenshot(page: Page, name: string) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png`, fullPage: true });
}

/** Signs in through the sign-in page, as a person would, and waits for the page asked for to be live. */
async function signInThroughPage(page: Page, user: TestUser, path: string) {
  await page.goto(`${baseUrl}${path}`);
  await onPath(page, '/connexion');
  const step = page.getByTestId('password-step');
  await step.waitFor({ timeout: WAIT_MS });
  await page.locator('#username').fill(user.username);
  await page.locator('#password').fill(user.password);
  await step.locator('button[type="submit"]').click();
  if (user.totpSecret) {
    const second = page.getByTestId('second-factor-step');
    await second.waitFor({ timeout: WAIT_MS });
    await page.locator('#code').fill(currentTotp(user.totpSecret, user.username));
    await second.locator('button[type="submit"]').click();
  }
  await onPath(page, path);
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
}

describe('the register page', () => {
  beforeAll(async () => {
    const [consoleDir, started] = await Promise.all([
      ensureConsoleBuilt((line) => process.stderr.write(`[browser-test] ${line}\n`)),
      startTestStack('browser_register'),
    ]);
    stack = started;
    ({ url: baseUrl } = await stack.startApi({ consoleDir }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

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
      await page.getByTestId('import-submit').click();
      await page.getByTestId('import-sent').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('import-kind-initial').isChecked(), 'the kind stays chosen').resolves.toBe(true);

      const row = page.getByTestId('import-row').filter({ hasText: 'rsu-kayes-mopti.csv' });
      await row.waitFor({ timeout: WAIT_MS });
      // Pushed progress: the bar, a share of the bytes and the time left, while the import runs.
      await row.getByTestId('import-progress').waitFor({ timeout: IMPORT_WAIT_MS });
      await expect(row.textContent()).resolves.toContain('temps restant');
      await expect(row.getAttribute('data-status')).resolves.toBe('running');
      await screenshot(page, 'register-import-running');

      await page.locator('[data-testid="import-row"][data-status="completed"]').waitFor({ timeout: IMPORT_WAIT_MS });
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
