// The administration section of the console against a real API: users, sessions and service tokens,
// and what a reader without the right to change them is offered.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { callApi, signIn } from '../../scripts/api-session';
import type { TestStack } from '../support/stack';
import { signInAs } from '../support/users';
import { newPage, onPath, person, screenshot, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

/** The built console served by a real API, in a database of this file's own; no workflow is started here. */
let baseUrl: string;
let stack: TestStack;

/** Opens the administration from the header, as a person would. */
async function openAdministration(page: Page) {
  await page.getByTestId('nav-admin').click();
  await onPath(page, '/administration/utilisateurs');
  await page.getByTestId('users-table').waitFor({ timeout: WAIT_MS });
}

const userRow = (page: Page, username: string) => page.locator(`[data-testid="user-row"][data-username="${username}"]`);
const fieldError = (scope: Locator, field: string) => scope.locator(`[data-testid="field-error"][data-field="${field}"]`);

describe('the administration', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('admin', { worker: false }));
  });

  afterAll(() => stopConsole());

  test('an administrator creates a user, changes their role, and ends the session of another user', { timeout: 90_000 }, async () => {
    const admin = await person(['admin'], 'adama.kanoute');
    // Signed in elsewhere, through the API, as a console in another office would be.
    const other = await signInAs(stack.database, baseUrl, ['coordinator']);
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, admin);
      await openAdministration(page);
      for (const tab of ['users', 'sessions', 'tokens']) {
        await expect(page.getByTestId(`admin-tab-${tab}`).count(), `the ${tab} tab`).resolves.toBe(1);
      }
      await expect(page.getByTestId('admin-tab-users').getAttribute('aria-current')).resolves.toBe('page');
      await expect(userRow(page, admin.username).locator('.tag').textContent()).resolves.toBe('vous');

      // Creating: a short password is caught here, a bad username and a taken one by the API.
      await page.getByTestId('new-user').click();
      const form = page.getByTestId('user-create-form');
      await form.waitFor({ timeout: WAIT_MS });
      await page.locator('#new-user-username').fill('Awa Sidibé');
      await page.locator('#new-user-display-name').fill('Awa Sidibé');
      await page.locator('#new-user-password').fill('trop-court');
      await form.getByLabel('Suivi-évaluation').check();
      await page.locator('#new-user-area-level').selectOption('region');
      await page.locator('#new-user-area-region').fill('MOP');
      await page.getByTestId('create-user').click();
      await expect(fieldError(form, 'password').textContent()).resolves.toBe('Au moins 12 caractères.');
      await expect(page.locator('#new-user-password').getAttribute('aria-invalid')).resolves.toBe('true');

      await page.locator('#new-user-password').fill('Bamako-provisoire-2026');
      await page.getByTestId('create-user').click();
      await fieldError(form, 'username').waitFor({ timeout: WAIT_MS });
      await expect(fieldError(form, 'username').textContent()).resolves.toContain('lettres minuscules sans accent');
      await expect(fieldError(form, 'password').count(), 'the fixed password is no longer flagged').resolves.toBe(0);
      await expect(form.getByTestId('form-error').textContent()).resolves.toContain('Certains champs sont à corriger');

      await page.locator('#new-user-username').fill(other.user.username);
      await page.getByTestId('create-user').click();
      await fieldError(form, 'username').filter({ hasText: 'Cet identifiant est déjà utilisé' }).waitFor({ timeout: WAIT_MS });
      await screenshots(page, 'administration-user-form');

      const username = `awa.sidibe-${Date.now().toString(36)}`;
      await page.locator('#new-user-username').fill(username);
      await page.getByTestId('create-user').click();
      const created = userRow(page, username);
      await created.waitFor({ timeout: WAIT_MS });
      await expect(form.count(), 'the form closes once the user exists').resolves.toBe(0);
      await expect(page.getByTestId('admin-notice').textContent()).resolves.toContain(`Compte « ${username} » créé.`);
      await expect(created.getByTestId('row-roles').textContent()).resolves.toBe('Suivi-évaluation');
      await expect(created.getByTestId('row-area').textContent()).resolves.toBe('Région de MOP');

      // The new user signs in with the given password (they would be asked for a new one next)…
      const newcomer = await signIn(baseUrl, username, 'Bamako-provisoire-2026');
      await expect(newcomer.call('GET', '/api/auth/me').then((answer) => answer.status)).resolves.toBe(200);

      // …and loses that session when an administrator changes their role, after saying so.
      await created.getByTestId('edit-user').click();
      const dialog = page.getByTestId('user-edit-dialog');
      await dialog.waitFor({ timeout: WAIT_MS });
      await dialog.getByLabel('Suivi-évaluation').uncheck();
      await dialog.getByLabel('Plaintes').check();
      await screenshots(page, 'administration-user-edit-form');
      await page.getByTestId('edit-user-save').click();
      await page.locator('[data-testid="user-edit-dialog"][data-step="confirm"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('edit-user-changes').textContent()).resolves.toContain('Rôles : Suivi-évaluation → Plaintes');
      await expect(page.getByTestId('edit-user-warning').textContent()).resolves.toContain('Les sessions ouvertes de Awa Sidibé seront fermées');
      await screenshots(page, 'administration-user-edit');
      await page.getByTestId('edit-user-confirm').click();
      await created.getByTestId('row-roles').filter({ hasText: 'Plaintes' }).waitFor({ timeout: WAIT_MS });
      await expect(dialog.isVisible()).resolves.toBe(false);
      await expect(page.getByTestId('admin-notice').textContent()).resolves.toContain('ses sessions ont été fermées');
      const after = await newcomer.call('GET', '/api/auth/me');
      expect(after.status, JSON.stringify(after.body)).toBe(401);
      await screenshots(page, 'administration-users');

      // Sessions: the other user's is there; ending it, after confirming, closes it for them.
      await page.getByTestId('admin-tab-sessions').click();
      await onPath(page, '/administration/sessions');
      const otherSession = page.locator(`[data-testid="session-row"][data-username="${other.user.username}"]`);
      await otherSession.waitFor({ timeout: WAIT_MS });
      await expect(otherSession.count()).resolves.toBe(1);
      await expect(page.locator(`[data-testid="session-row"][data-username="${admin.username}"] .tag`).first().textContent()).resolves.toBe('vous');
      await expect(other.call('GET', '/api/cycles').then((answer) => answer.status)).resolves.toBe(200);
      await screenshots(page, 'administration-sessions');

      await otherSession.getByTestId('end-session').click();
      const confirm = page.getByTestId('end-session-dialog');
      await confirm.waitFor({ timeout: WAIT_MS });
      await expect(confirm.textContent()).resolves.toContain(`${other.user.username} sera déconnecté(e) de cette session tout de suite`);
      await screenshot(page, 'administration-end-session');
      await page.getByTestId('end-session-confirm').click();
      await otherSession.waitFor({ state: 'detached', timeout: WAIT_MS });
      await expect(page.getByTestId('admin-notice').textContent()).resolves.toBe(`Session de ${other.user.username} fermée.`);

      const refused = await other.call('GET', '/api/cycles');
      expect(refused.status, JSON.stringify(refused.body)).toBe(401);
      expect(refused.body.error.code).toBe('unauthenticated');
      // The administrator's own session is untouched.
      await expect(page.url()).toContain('/administration/sessions');
      await page.getByTestId('refresh-sessions').click();
      await page.locator(`[data-testid="session-row"][data-username="${admin.username}"]`).first().waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });

  test('a service token shows its secret once, works with it, and stops working once revoked', { timeout: 60_000 }, async () => {
    const admin = await person(['admin'], 'fanta.camara');
    const { context, page } = await newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
    try {
      await signInThroughPage(page, admin, '/administration/jetons');
      await page.locator('[data-testid="tokens-table"], [data-testid="tokens-empty"]').first().waitFor({ timeout: WAIT_MS });
      await page.getByTestId('new-token').click();
      const name = `banque-${Date.now().toString(36)}`;
      await page.locator('#new-token-name').fill(name);
      await page.getByTestId('token-create-form').getByLabel('Transferts (paiements)').check();
      await page.getByTestId('create-token').click();

      const secret = page.getByTestId('token-secret');
      await secret.waitFor({ timeout: WAIT_MS });
      const value = (await secret.getAttribute('data-secret'))!;
      expect(value).toMatch(/^jst_/);
      await expect(page.getByTestId('token-secret-panel').textContent()).resolves.toContain('il ne sera plus jamais affiché');
      await page.getByTestId('copy-secret').click();
      await page.locator('[data-testid="copy-secret"][data-state="copied"]').waitFor({ timeout: WAIT_MS });
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(value);
      const row = page.locator(`[data-testid="token-row"][data-name="${name}"]`);
      await row.waitFor({ timeout: WAIT_MS });
      await screenshots(page, 'administration-token-secret');

      const bearer = { authorization: `Bearer ${value}` };
      await expect(callApi(baseUrl, 'GET', '/api/cycles', undefined, bearer).then((answer) => answer.status)).resolves.toBe(200);

      // Once kept, the secret is gone from the page for good.
      await page.getByTestId('token-secret-done').click();
      await expect(page.getByTestId('token-secret').count()).resolves.toBe(0);
      await expect(page.content()).resolves.not.toContain(value);

      await row.getByTestId('revoke-token').click();
      await page.getByTestId('revoke-token-dialog').waitFor({ timeout: WAIT_MS });
      await page.getByTestId('revoke-token-confirm').click();
      await row.locator('[data-testid="token-status"]').filter({ hasText: 'Révoqué' }).waitFor({ timeout: WAIT_MS });
      await expect(row.getByTestId('revoke-token').count()).resolves.toBe(0);
      await expect(callApi(baseUrl, 'GET', '/api/cycles', undefined, bearer).then((answer) => answer.status)).resolves.toBe(401);
    } finally {
      await context.close();
    }
  });

  test('an auditor reads the users without any control to change them, and no other section', { timeout: 60_000 }, async () => {
    const auditor = await person(['auditor'], 'mariam.coulibaly');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, auditor);
      await openAdministration(page);
      await userRow(page, auditor.username).waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('users-read-only').textContent()).resolves.toContain('Consultation seule');
      for (const control of ['new-user', 'user-create-form', 'edit-user', 'user-edit-dialog', 'admin-tab-sessions', 'admin-tab-tokens']) {
        await expect(page.getByTestId(control).count(), `${control} offered to an auditor`).resolves.toBe(0);
      }
      await screenshot(page, 'administration-auditor');

      // The sections they may not use are refused by the API, and the console says so.
      await page.goto(`${baseUrl}/administration/sessions`);
      await page.locator('[data-testid="error-page"][data-status="403"]').waitFor({ timeout: WAIT_MS });
      await expect(page.getByTestId('end-session').count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  test('a coordinator has no administration: no link, and the page is refused', { timeout: 60_000 }, async () => {
    const coordinator = await person(['coordinator'], 'sekou.diarra');
    const { context, page } = await newPage();
    try {
      await signInThroughPage(page, coordinator);
      await expect(page.getByTestId('nav-admin').count()).resolves.toBe(0);
      await page.goto(`${baseUrl}/administration`);
      await page.locator('[data-testid="error-page"][data-status="403"]').waitFor({ timeout: WAIT_MS });
    } finally {
      await context.close();
    }
  });
});
