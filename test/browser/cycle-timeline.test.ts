// The console against a real API, worker and Temporal: what a coordinator sees on a cycle's page.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureConsoleBuilt } from '../../scripts/stack/console-build';
import type { RealtimeServer } from '../../api/realtime/server';
import { startTestStack, type TestStack } from '../support/stack';

/** The built console served by a real API with its worker, in a database of this file's own. */
let baseUrl: string;
let stack: TestStack;
let io: RealtimeServer;
const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));
const WAIT_MS = 20_000;
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

let browser: Browser;
const createdCycles: string[] = [];

async function callApi(method: 'GET' | 'POST', path: string, body?: unknown, actor = 'awa.traore') {
  const response = await fetch(`${baseUrl}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-jigi-actor': actor },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A new cycle of the COVID-19 emergency transfer, unique by name. */
async function createCycle(): Promise<string> {
  const { status, body } = await callApi('POST', '/cycles', {
    name: `Transfert d’urgence COVID-19 – test ${Date.now()}-${Math.floor(Math.random() * 1e6)}`,
    transferAmountFcfa: 90_000,
    targetHouseholds: 1_000_000,
    fundingSources: [
      { source: 'world-bank-af2', amountFcfa: 45_000_000_000 },
      { source: 'pgfs', amountFcfa: 45_000_000_000 },
    ],
  });
  expect(status, JSON.stringify(body)).toBe(201);
  const id = (body.cycle as { id: string }).id;
  createdCycles.push(id);
  return id;
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, locale: 'fr-FR' });
  const page = await context.newPage();
  return { context, page };
}

/** Opens a cycle's page and waits until it receives pushes. */
async function openCycle(page: Page, cycleId: string) {
  await page.goto(`${baseUrl}/cycles/${cycleId}`);
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
}

const phase = (page: Page, name: string, status?: string) =>
  page.locator(status ? `[data-testid="phase-${name}"][data-status="${status}"]` : `[data-testid="phase-${name}"]`);

describe('cycle page', () => {
  beforeAll(async () => {
    const [consoleDir, started] = await Promise.all([
      ensureConsoleBuilt((line) => process.stderr.write(`[browser-test] ${line}\n`)),
      startTestStack('browser'),
    ]);
    stack = started;
    ({ url: baseUrl, io } = await stack.startApi({ consoleDir }));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
    // Leave no running workflow behind; a cycle already closed answers 409, which is fine.
    await Promise.allSettled(createdCycles.map((id) => callApi('POST', `/cycles/${id}/cancel`, { reason: 'Fin du test navigateur' })));
    await stack?.stop();
  });

  test('the timeline shows training done and targeting started, without a reload, when training is completed elsewhere', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    try {
      await openCycle(page, cycleId);
      await phase(page, 'training', 'active').waitFor({ timeout: WAIT_MS });
      await expect(phase(page, 'targeting').getAttribute('data-status')).resolves.toBe('pending');
      await page.evaluate(() => {
        (window as unknown as { jigiSameDocument?: string }).jigiSameDocument = 'still here';
      });

      const { status, body } = await callApi('POST', `/cycles/${cycleId}/phases/training/complete`, {}, 'moussa.keita');
      expect(status, JSON.stringify(body)).toBe(200);

      await phase(page, 'training', 'completed').waitFor({ timeout: WAIT_MS });
      await phase(page, 'targeting', 'active').waitFor({ timeout: WAIT_MS });
      await expect(phase(page, 'training').locator('[data-testid="completed-by"]').textContent()).resolves.toBe('moussa.keita');
      // The transitions log is refetched after the push.
      await page
        .locator('[data-testid="transition"][data-kind="phase-completed"]')
        .filter({ hasText: 'moussa.keita' })
        .waitFor({ timeout: WAIT_MS });
      const marker = await page.evaluate(() => (window as unknown as { jigiSameDocument?: string }).jigiSameDocument);
      expect(marker, 'the page was reloaded').toBe('still here');

      await mkdir(ARTIFACTS_DIR, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS_DIR}cycle-timeline.png`, fullPage: true });
    } finally {
      await context.close();
    }
  });

  test('a console that lost its connection shows, once back, what changed while it was away', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    const allowRequest = io.engine.opts.allowRequest;
    try {
      await openCycle(page, cycleId);
      await phase(page, 'training', 'active').waitFor({ timeout: WAIT_MS });
      await page.evaluate(() => {
        (window as unknown as { jigiSameDocument?: string }).jigiSameDocument = 'still here';
      });

      // The API refuses new connections and drops the open ones, as during a network cut.
      io.engine.opts.allowRequest = (_req, callback) => callback('network cut (test)', false);
      for (const socket of io.sockets.sockets.values()) socket.conn.close();
      await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });

      const { status } = await callApi('POST', `/cycles/${cycleId}/phases/training/complete`, {}, 'fatoumata.diarra');
      expect(status).toBe(200);
      // The change was pushed while the page was away: nothing may have reached it.
      await expect(phase(page, 'training').getAttribute('data-status')).resolves.toBe('active');

      io.engine.opts.allowRequest = allowRequest;
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      await phase(page, 'training', 'completed').waitFor({ timeout: WAIT_MS });
      await phase(page, 'targeting', 'active').waitFor({ timeout: WAIT_MS });
      const marker = await page.evaluate(() => (window as unknown as { jigiSameDocument?: string }).jigiSameDocument);
      expect(marker, 'the page was reloaded').toBe('still here');
    } finally {
      io.engine.opts.allowRequest = allowRequest;
      await context.close();
    }
  });

  test("marking a phase done on a paused cycle shows the API's refusal in the page, in French", { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    try {
      await openCycle(page, cycleId);
      await phase(page, 'training', 'active').waitFor({ timeout: WAIT_MS });

      await page.getByTestId('pause').click();
      const dialog = page.getByTestId('pause-dialog');
      await dialog.getByLabel('Motif').fill('Recrutement des agences de paiement en retard');
      await dialog.getByRole('button', { name: 'Mettre en pause' }).click();
      await page.locator('[data-testid="cycle-status"][data-status="paused"]').waitFor({ timeout: WAIT_MS });

      await phase(page, 'training').getByTestId('mark-done').click();
      const error = phase(page, 'training').getByTestId('action-error');
      await error.waitFor({ timeout: WAIT_MS });
      await expect(error.textContent()).resolves.toContain('Le cycle est en pause : reprenez-le avant de faire avancer une phase.');
      await expect(phase(page, 'training').getAttribute('data-status')).resolves.toBe('active');

      await page.getByTestId('resume').click();
      await page.locator('[data-testid="cycle-status"][data-status="running"]').waitFor({ timeout: WAIT_MS });
      await page.locator('[data-testid="transition"][data-kind="cycle-resumed"]').waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });

  test('the language switch turns the console to English and remembers it', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    try {
      await openCycle(page, cycleId);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
      await expect(phase(page, 'training').locator('h3').textContent()).resolves.toBe('Formation des formateurs');

      await page.getByTestId('lang-en').click();
      await page.locator('html[lang="en"]').waitFor({ timeout: WAIT_MS });
      await expect(phase(page, 'training').locator('h3').textContent()).resolves.toBe('Training');
      await expect(phase(page, 'grievances').locator('h3').textContent()).resolves.toBe('Grievances');

      await page.reload();
      await page.locator('html[lang="en"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('lang-en').getAttribute('aria-pressed')).resolves.toBe('true');
      await expect(phase(page, 'procurement').locator('h3').textContent()).resolves.toBe('Procurement');

      await page.getByTestId('lang-fr').click();
      await expect(phase(page, 'procurement').locator('h3').textContent()).resolves.toBe('Passation des marchés');
    } finally {
      await context.close();
    }
  });

  test('a cycle created elsewhere appears in the list without a reload', { timeout: 60_000 }, async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${baseUrl}/`);
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      const cycleId = await createCycle();
      const row = page.locator(`[data-testid="cycle-row"][data-cycle-id="${cycleId}"]`);
      await row.waitFor({ timeout: WAIT_MS });
      await row.locator('[data-testid="current-phase"]').filter({ hasText: 'Formation des formateurs' }).waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });
});
