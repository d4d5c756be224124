// What the browser tests share: the built console served by a real API in a database of the file's own,
// a headless Chromium, and signing in through the sign-in page as a person would.
// Each test file runs in a process of its own, so the state below is that file's.
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { currentTotp } from '../../api/auth/totp';
import type { RealtimeServer } from '../../api/realtime/server';
import type { Role } from '../../domain/roles';
import { ensureConsoleBuilt } from '../../scripts/stack/console-build';
import { startTestStack, type TestStack } from '../support/stack';
import { createUser, type TestUser } from '../support/users';

export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));
export const WAIT_MS = 20_000;
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
export const WIDE = { width: 1280, height: 1000 };
export const PHONE = { width: 390, height: 844 };

export interface ConsoleUnderTest {
  baseUrl: string;
  stack: TestStack;
  io: RealtimeServer;
  browser: Browser;
}

let running: Partial<ConsoleUnderTest> = {};

function started(): ConsoleUnderTest {
  if (!running.browser) throw new Error('startConsole() has not run (call it in beforeAll)');
  return running as ConsoleUnderTest;
}

/** Builds the console if needed, starts a test stack named `label` with the API serving it, then Chromium. */
export async function startConsole(label: string, options: { worker?: boolean } = {}): Promise<ConsoleUnderTest> {
  const [consoleDir, stack] = await Promise.all([
    ensureConsoleBuilt((line) => process.stderr.write(`[browser-test] ${line}\n`)),
    startTestStack(label, options),
  ]);
  running = { stack };
  const { url: baseUrl, io } = await stack.startApi({ consoleDir });
  running = { stack, baseUrl, io };
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  running = { stack, baseUrl, io, browser };
  return running as ConsoleUnderTest;
}

/** Closes Chromium, runs `beforeStackStops` (while the API is still up), then stops the stack. */
export async function stopConsole(beforeStackStops?: () => Promise<unknown>) {
  await running.browser?.close();
  await beforeStackStops?.();
  await running.stack?.stop();
}

export async function newPage(viewport = WIDE): Promise<{ context: BrowserContext; page: Page }> {
  const context = await started().browser.newContext({ viewport, locale: 'fr-FR' });
  const page = await context.newPage();
  return { context, page };
}

export const person = (roles: Role[], name: string) => createUser(started().stack.database, roles, { level: 'national' }, name);

export const onPath = (page: Page, path: string) => page.waitForURL((url) => url.pathname === path, { timeout: WAIT_MS });

export async function screenshot(page: Page, name: string) {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS_DIR}${name}.png`, fullPage: true });
}

/** The page at both widths: the wide one, then a phone's. */
export async function screenshots(page: Page, name: string) {
  await screenshot(page, name);
  await page.setViewportSize(PHONE);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize(WIDE);
}

/** Fills the password step; the page then asks for what is left (a code, a new password) or moves on. */
export async function typePassword(page: Page, user: TestUser, password = user.password) {
  const step = page.getByTestId('password-step');
  await step.waitFor({ timeout: WAIT_MS });
  await page.locator('#username').fill(user.username);
  await page.locator('#password').fill(password);
  await step.locator('button[type="submit"]').click();
}

export async function typeCode(page: Page, code: string) {
  const step = page.getByTestId('second-factor-step');
  await page.locator('#code').fill(code);
  await step.locator('button[type="submit"]').click();
}

/** Signs in through the sign-in page, as a person would, and waits for the page asked for to be live. */
export async function signInThroughPage(page: Page, user: TestUser, path = '/') {
  await page.goto(`${started().baseUrl}${path}`);
  await onPath(page, '/connexion');
  await typePassword(page, user);
  if (user.totpSecret) {
    await page.getByTestId('second-factor-step').waitFor({ timeout: WAIT_MS });
    await typeCode(page, currentTotp(user.totpSecret, user.username));
  }
  await onPath(page, path);
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor({ timeout: WAIT_MS });
}
