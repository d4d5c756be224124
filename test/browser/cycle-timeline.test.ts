// The console against a real API, worker and Temporal: signing in, and what each role sees of a cycle.
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { currentTotp } from '../../api/auth/totp';
import type { RealtimeServer } from '../../api/realtime/server';
import { users } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import type { TestStack } from '../support/stack';
import { signInAs, type TestUser } from '../support/users';
import { newPage, onPath, person, screenshot, signInThroughPage, startConsole, stopConsole, typeCode, typePassword, WAIT_MS } from './support';

/** The built console served by a real API with its worker, in a database of this file's own. */
let baseUrl: string;
let stack: TestStack;
let io: RealtimeServer;
/** A coordinator working elsewhere, through the API: creates cycles and moves them on. */
let elsewhere: ApiSession & { user: TestUser };

const createdCycles: string[] = [];

/** A new cycle of the COVID-19 emergency transfer, unique by name. */
async function createCycle(): Promise<string> {
  const { status, body } = await elsewhere.call('POST', '/api/cycles', {
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

async function completeTraining(cycleId: string) {
  const { status, body } = await elsewhere.call('POST', `/api/cycles/${cycleId}/phases/training/complete`, {});
  expect(status, JSON.stringify(body)).toBe(200);
}

const phase = (page: Page, name: string, status?: string) =>
  page.locator(status ? `[data-testid="phase-${name}"][data-status="${status}"]` : `[data-testid="phase-${name}"]`);

describe('the console', () => {
  beforeAll(async () => {
    ({ baseUrl, stack, io } = await startConsole('browser'));
    elsewhere = await signInAs(stack.database, baseUrl, ['coordinator']);
  });

  afterAll(() =>
    // Leave no running workflow behind; a cycle already closed answers 409, which is fine.
    stopConsole(() => Promise.allSettled(createdCycles.map((id) => elsewhere.call('POST', `/api/cycles/${id}/cancel`, { reason: 'Fin du test navigateur' })))),
  );

  test('a coordinator signs in with password and authenticator code and lands on the cycles', { timeout: 60_000 }, async () => {
    const coordinator = await person(['coordinator'], 'mahmoud.sacko');
    const { context, page } = await newPage();
    try {
      await page.goto(`${baseUrl}/`);
      await onPath(page, '/connexion');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
      await expect(page.locator('label[for="username"]').textContent()).resolves.toBe('Identifiant');
      await expect(page.locator('label[for="password"]').textContent()).resolves.toBe('Mot de passe');
      await expect(page.getByTestId('connection').count(), 'no live connection before sign-in').resolves.toBe(0);

      await typePassword(page, coordinator, 'not-the-password');
      await expect(page.getByTestId('form-error').textContent()).resolves.toContain('Identifiant ou mot de passe incorrect.');
      await screenshot(page, 'sign-in-fr');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'sign-in-390');
      await page.setViewportSize({ width: 1280, height: 1000 });

      await typePassword(page, coordinator);
      await page.getByTestId('second-factor-step').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('second-factor-step').locator('h2').textContent()).resolves.toBe('Code de vérification');
      const right = currentTotp(coordinator.totpSecret!, coordinator.username);
      await typeCode(page, right === '000000' ? '111111' : '000000');
      await page.getByTestId('form-error').filter({ hasText: 'Ce code est incorrect ou a expiré.' }).waitFor({ timeout: WAIT_MS });
      await screenshot(page, 'second-factor');

      await typeCode(page, currentTotp(coordinator.totpSecret!, coordinator.username));
      await onPath(page, '/');
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      await page.locator('[data-testid="cycle-list"], [data-testid="cycles-empty"]').first().waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('user-name').textContent()).resolves.toBe(coordinator.username);
      await expect(page.getByTestId('user-roles').textContent()).resolves.toBe('Coordination');
      await expect(page.getByTestId('user-area').textContent()).resolves.toBe('National');
      // Coordinators read the audit trail but do not export it.
      await expect(page.getByTestId('nav-audit').count()).resolves.toBe(1);
    } finally {
      await context.close();
    }
  });

  test('repeated wrong passwords are refused for a while, and the page says for how many minutes', { timeout: 60_000 }, async () => {
    const auditor = await person(['auditor'], 'awa.guindo');
    const { context, page } = await newPage();
    try {
      await page.goto(`${baseUrl}/connexion`);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await typePassword(page, auditor, `wrong-${attempt}`);
        await page.getByTestId('form-error').filter({ hasText: 'Identifiant ou mot de passe incorrect.' }).waitFor({ timeout: WAIT_MS });
      }
      await typePassword(page, auditor);
      await page.getByTestId('form-error').filter({ hasText: 'Trop de tentatives échouées. Réessayez dans 15 minutes.' }).waitFor({ timeout: WAIT_MS });
      await expect(page.url()).toContain('/connexion');
    } finally {
      await context.close();
    }
  });

  test('a first sign-in enrols the authenticator app, then replaces the given password', { timeout: 60_000 }, async () => {
    const newcomer = await person(['coordinator'], 'oumar.diallo');
    await stack.database.db
      .update(users)
      .set({ totpSecret: null, totpEnabledAt: null, mustChangePassword: true })
      .where(eq(users.id, newcomer.id));
    const { context, page } = await newPage();
    try {
      await page.goto(`${baseUrl}/`);
      await typePassword(page, newcomer);
      const enrol = page.locator('[data-testid="second-factor-step"][data-enrol="true"]');
      await enrol.waitFor({ timeout: WAIT_MS });
      const secret = page.getByTestId('totp-secret');
      await secret.waitFor({ timeout: WAIT_MS });
      const raw = (await secret.getAttribute('data-secret'))!;
      // Shown in groups of four, to type into a phone; copied, it is the key as it is.
      await expect(secret.locator('span').allTextContents()).resolves.toEqual(raw.match(/.{1,4}/g));
      await expect(secret.textContent()).resolves.toBe(raw);
      await expect(page.getByTestId('totp-uri').textContent()).resolves.toMatch(/^otpauth:\/\/totp\/.*secret=/);
      await screenshot(page, 'enrol-authenticator');

      await typeCode(page, currentTotp(raw, newcomer.username));
      await page.getByTestId('new-password-step').waitFor({ timeout: WAIT_MS });
      await page.locator('#current-password').fill(newcomer.password);
      await page.locator('#new-password').fill('short');
      await page.locator('#confirm-password').fill('short');
      await page.getByTestId('new-password-step').locator('button[type="submit"]').click();
      await page.getByTestId('form-error').filter({ hasText: 'au moins 12 caractères' }).waitFor({ timeout: WAIT_MS });

      await page.locator('#new-password').fill('Ségou-Mopti-2021-juillet');
      await page.locator('#confirm-password').fill('Ségou-Mopti-2021-juillet');
      await page.getByTestId('new-password-step').locator('button[type="submit"]').click();
      await onPath(page, '/');
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });

  test('the timeline shows training done and targeting started, without a reload, when training is completed elsewhere', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, await person(['coordinator'], 'awa.traore'), `/cycles/${cycleId}`);
      await phase(page, 'training', 'active').waitFor({ timeout: WAIT_MS });
      await expect(phase(page, 'targeting').getAttribute('data-status')).resolves.toBe('pending');
      await page.evaluate(() => {
        (window as unknown as { jigiSameDocument?: string }).jigiSameDocument = 'still here';
      });

      await completeTraining(cycleId);

      await phase(page, 'training', 'completed').waitFor({ timeout: WAIT_MS });
      await phase(page, 'targeting', 'active').waitFor({ timeout: WAIT_MS });
      await expect(phase(page, 'training').locator('[data-testid="completed-by"]').textContent()).resolves.toBe(elsewhere.user.username);
      // The transitions log is refetched after the push.
      await page
        .locator('[data-testid="transition"][data-kind="phase-completed"]')
        .filter({ hasText: elsewhere.user.username })
        .waitFor({ timeout: WAIT_MS });
      const marker = await page.evaluate(() => (window as unknown as { jigiSameDocument?: string }).jigiSameDocument);
      expect(marker, 'the page was reloaded').toBe('still here');
      await expect(page.getByTestId('pause').count()).resolves.toBe(1);
      await expect(page.getByTestId('mark-done').count()).resolves.toBeGreaterThan(0);

      await screenshot(page, 'cycle-timeline');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'cycle-timeline-390');
    } finally {
      await context.close();
    }
  });

  test('a console that lost its connection shows, once back, what changed while it was away', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    const allowRequest = io.engine.opts.allowRequest;
    try {
      await signInThroughPage(page, await person(['coordinator'], 'fatoumata.diarra'), `/cycles/${cycleId}`);
      await phase(page, 'training', 'active').waitFor({ timeout: WAIT_MS });
      await page.evaluate(() => {
        (window as unknown as { jigiSameDocument?: string }).jigiSameDocument = 'still here';
      });

      // The API refuses new connections and drops the open ones, as during a network cut.
      io.engine.opts.allowRequest = (_req, callback) => callback('network cut (test)', false);
      for (const socket of io.sockets.sockets.values()) socket.conn.close();
      await page.locator('[data-testid="connection"][data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });

      await completeTraining(cycleId);
      // The change was pushed while the page was away: nothing may have reached it.
      await expect(phase(page, 'training').getAttribute('data-status')).resolves.toBe('active');

      io.engine.opts.allowRequest = allowRequest;
      await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
      await phase(page, 'training', 'completed').waitFor({ timeout: WAIT_MS });
      await phase(page, 'targeting', 'active').waitFor({ timeout: WAIT_MS });
      const marker = await page.evaluate(() => (window as unknown as { jigiSameDocument?: string }).jigiSameDocument);
      expect(marker, 'the page was reloaded').toBe('still here');
      await expect(page.url(), 'a network cut is not a sign-out').toContain(`/cycles/${cycleId}`);
    } finally {
      io.engine.opts.allowRequest = allowRequest;
      await context.close();
    }
  });

  test("marking a phase done on a paused cycle shows the API's refusal in the page, in French", { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, await person(['coordinator'], 'ibrahim.traore'), `/cycles/${cycleId}`);
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

  test('the language switch turns the console to English, from the sign-in page on, and remembers it', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    const coordinator = await person(['coordinator'], 'aminata.coulibaly');
    const { context, page } = await newPage();
    try {
      await page.goto(`${baseUrl}/cycles/${cycleId}`);
      await onPath(page, '/connexion');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('fr');
      await expect(page.locator('#sign-in-title').textContent()).resolves.toBe('Connexion');

      await page.getByTestId('lang-en').click();
      await page.locator('html[lang="en"]').waitFor({ timeout: WAIT_MS });
      await expect(page.locator('#sign-in-title').textContent()).resolves.toBe('Sign in');
      await expect(page.locator('label[for="username"]').textContent()).resolves.toBe('Username');

      await typePassword(page, coordinator);
      await page.getByTestId('second-factor-step').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('second-factor-step').locator('h2').textContent()).resolves.toBe('Verification code');
      await typeCode(page, currentTotp(coordinator.totpSecret!, coordinator.username));
      await onPath(page, `/cycles/${cycleId}`);
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
      await signInThroughPage(page, await person(['coordinator'], 'moussa.keita'));
      const cycleId = await createCycle();
      const row = page.locator(`[data-testid="cycle-row"][data-cycle-id="${cycleId}"]`);
      await row.waitFor({ timeout: WAIT_MS });
      await row.locator('[data-testid="current-phase"]').filter({ hasText: 'Formation des formateurs' }).waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });

  test('an auditor sees the cycle without its actions, and the audit trail of those actions with a CSV export', { timeout: 60_000 }, async () => {
    const cycleId = await createCycle();
    await completeTraining(cycleId);
    const auditor = await person(['auditor'], 'seydou.keita');
    const { context, page } = await newPage();
    try {
      // Signs in on the way to the cycle, and comes back to it.
      await signInThroughPage(page, auditor, `/cycles/${cycleId}`);
      await phase(page, 'targeting', 'active').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('user-roles').textContent()).resolves.toBe('Audit interne');
      for (const action of ['pause', 'cancel', 'resume', 'mark-done']) {
        await expect(page.getByTestId(action).count(), `${action} offered to an auditor`).resolves.toBe(0);
      }
      await screenshot(page, 'cycle-auditor');

      await page.getByTestId('nav-audit').click();
      await onPath(page, '/audit');
      await page.getByTestId('audit-table').waitFor({ timeout: WAIT_MS });
      await page.locator('#audit-actor').fill(elsewhere.user.username);
      await page.locator('#audit-target-type').selectOption('cycle');
      await page.getByTestId('audit-apply').click();
      await page.waitForURL((url) => url.searchParams.get('actor') === elsewhere.user.username, { timeout: WAIT_MS });
      const ofCycle = page.locator(`[data-testid="audit-entry"][data-target-id="${cycleId}"]`);
      await ofCycle.and(page.locator('[data-action="cycle.create"]')).waitFor({ timeout: WAIT_MS });
      await ofCycle.and(page.locator('[data-action="cycle.phase-completed"]')).first().waitFor({ timeout: WAIT_MS });
      await expect(ofCycle.first().textContent()).resolves.toContain(elsewhere.user.username);

      const exportLink = page.getByTestId('audit-export');
      const href = (await exportLink.getAttribute('href'))!;
      expect(href).toMatch(/^\/api\/audit\/export\.csv\?/);
      expect(new URL(href, baseUrl).searchParams.get('actor')).toBe(elsewhere.user.username);
      const csv = await page.request.get(`${baseUrl}${href}`);
      expect(csv.status()).toBe(200);
      expect(csv.headers()['content-type']).toContain('text/csv');
      expect(await csv.text()).toContain(cycleId);
      await screenshot(page, 'audit');

      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'audit-390');
    } finally {
      await context.close();
    }
  });

  test('signing out drops to the sign-in page, and the console stays closed until the next sign-in', { timeout: 60_000 }, async () => {
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, await person(['auditor'], 'kadiatou.sangare'));
      await page.getByTestId('sign-out').click();
      await onPath(page, '/connexion');
      await page.getByTestId('password-step').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('signed-in-user').count()).resolves.toBe(0);

      await page.goto(`${baseUrl}/audit`);
      await onPath(page, '/connexion');
      expect(new URL(page.url()).searchParams.get('retour')).toBe('/audit');
      await page.getByTestId('password-step').waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });

  test('an administrator ending the session sends the open console to the sign-in page', { timeout: 60_000 }, async () => {
    const coordinator = await person(['coordinator'], 'bakary.kone');
    const admin = await signInAs(stack.database, baseUrl, ['admin']);
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, coordinator);
      const { body } = await admin.call('GET', '/api/admin/sessions');
      const sessions = (body.sessions as { id: string; username: string }[]).filter((s) => s.username === coordinator.username);
      expect(sessions).toHaveLength(1);

      const ended = await admin.call('DELETE', `/api/admin/sessions/${sessions[0]!.id}`);
      expect(ended.status).toBe(204);
      await onPath(page, '/connexion');
      await page.getByTestId('password-step').waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });
});
