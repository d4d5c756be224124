// The overview page against a real API, worker, Temporal and the agency simulator: during a disbursement
// run its figures move without a reload, from at most about one pushed overview a second; the steering
// committee's report for 30 September 2020 is fetched as the page links it and its first page rendered
// to PNG (pdf.js in the same Chromium).
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awpbForecasts, communeLists, grievanceCases, targetingQuotas, workshops } from '../../db/schema';
import type { Overview } from '../../domain/overview';
import type { ApiSession } from '../../scripts/api-session';
import { seedDemoAwpb } from '../../scripts/demo-awpb';
import { payableCycle, startPaymentRun, WORKER_AGENCY_ENV } from '../support/payment-run';
import { startSimProcess, type SimProcess } from '../support/provider-sim';
import type { TestStack } from '../support/stack';
import { createUser, signInAs, type TestUser } from '../support/users';
import { killProcess, startWorkerProcess } from '../support/worker-process';
import { ARTIFACTS_DIR, newPage, screenshots, signInThroughPage, startConsole, stopConsole, WAIT_MS } from './support';

let baseUrl: string;
let stack: TestStack;
let sim: SimProcess;
let worker: ChildProcess | null = null;
let signers: ApiSession[] = [];
let coordinator: TestUser;

const PDFJS = fileURLToPath(new URL('../../node_modules/pdfjs-dist/', import.meta.url));

describe('the overview page', () => {
  beforeAll(async () => {
    ({ baseUrl, stack } = await startConsole('browser_overview', { worker: false }));
    sim = await startSimProcess({ faults: { invalidAccountSuffixes: ['99'], latencyMs: 5, latencyJitterMs: 5 } });
    worker = await startWorkerProcess(stack, WORKER_AGENCY_ENV);
    signers = await Promise.all((['payment-operator', 'coordinator', 'coordinator'] as const).map((role) => signInAs(stack.database, baseUrl, [role])));
    coordinator = await createUser(stack.database, ['coordinator'], { level: 'national' }, 'mahmoud.sacko');
    await seedDemoAwpb(stack.database, 'test');
  }, 300_000);

  afterAll(() =>
    stopConsole(async () => {
      if (worker) await killProcess(worker);
      await sim?.stop();
    }),
  );

  it('shows the figures moving during a disbursement run without a reload, coalesced to about one update a second', { timeout: 180_000 }, async () => {
    const communes = [
      { region: 'KAY', commune: 'KAY-001' },
      { region: 'MOP', commune: 'MOP-001' },
    ];
    // 120 payments at 8 a second: about 15 seconds, every tenth wallet number refused.
    const seeded = await payableCycle(stack, { communes, perCommune: 60, agencyId: 'sim-overview', agencyUrl: sim.url, ratePerSecond: 8, batchSize: 5, invalidEvery: 10, signers, name: 'Transfert d’urgence – aperçu' });
    const { db } = stack.database;
    // This year's AWPB for the run's cash transfers (twice what it pays), so the rate moves with the ledger.
    const year = new Date().getUTCFullYear();
    await db.insert(awpbForecasts).values(communes.map((c) => ({ year, component: 'cash-transfers' as const, fundingSource: 'world-bank-af2' as const, regionCode: c.region, amountFcfa: 60 * 90_000 * 2, updatedBy: 'test' })));
    // Targeted and validated as targeting and the commune committees would have left them.
    await db.insert(targetingQuotas).values(communes.map((c) => ({ cycleId: seeded.cycleId, level: 'region' as const, regionCode: c.region, population: 1, povertyRate: 0.5, estimated: true, weight: 1, registered: 80, eligible: 70, quota: 60, overridden: false })));
    await db.insert(communeLists).values(communes.map((c) => ({ cycleId: seeded.cycleId, communeCode: c.commune, regionCode: c.region, status: 'approved' as const, households: 60 })));
    await db.insert(workshops).values({ cycleId: seeded.cycleId, regionCode: 'GAO', chair: 'Gouverneur de Gao', place: 'Gao', plannedStart: '2020-07-21', plannedEnd: '2020-07-24', plannedParticipants: 40, plannedBy: 'test' });
    const filed = (reference: string, category: 'non-payment' | 'exclusion', late: boolean) => ({ reference, category, complainantName: 'X', region: 'MOP', commune: 'MOP-001', channel: 'console' as const, deadlineAt: new Date(Date.now() + (late ? -1 : 1) * 86_400_000), filedBy: 'test' });
    await db.insert(grievanceCases).values([filed('PL-APR-1', 'non-payment', true), filed('PL-APR-2', 'non-payment', false), filed('PL-APR-3', 'exclusion', false)]);

    // What the browser is sent: counted on a socket of the same user's kind.
    const watcher = signers[1]!;
    const socket = connect(baseUrl, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: watcher.cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    expect(await socket.timeout(5_000).emitWithAck('overview:watch')).toEqual({ ok: true });
    const pushed: Array<{ at: number; paid: number }> = [];
    socket.on('overview:changed', (o: Overview) => pushed.push({ at: Date.now(), paid: o.households.paid }));

    const { page } = await newPage();
    try {
      await signInThroughPage(page, coordinator, '/apercu');
      const headline = page.getByTestId('overview-headline');
      await headline.waitFor({ timeout: WAIT_MS });
      expect(await headline.getAttribute('data-paid')).toBe('0');
      expect(await page.getByTestId('figure-targeted').textContent()).toBe('120');
      await expect(page.getByTestId('overview-alerts').locator('[data-kind="workshop-late"]').count()).resolves.toBe(1);
      const rate = page.getByTestId('figure-execution-rate');
      expect(await rate.textContent()).toBe('0,00\u00a0%');

      const run = await startPaymentRun(stack, seeded.cycleId, 'sim-overview', seeded.lists, 2);
      const paidSeen = new Set<string>();
      let midRunShot = false;
      const started = Date.now();
      for (;;) {
        const paid = Number(await headline.getAttribute('data-paid'));
        paidSeen.add(String(paid));
        if (!midRunShot && paid > 30) {
          midRunShot = true;
          await screenshots(page, 'overview-running');
        }
        if (paid === 108 || Date.now() - started > 120_000) break;
        await page.waitForTimeout(250);
      }
      await run.result();
      const seconds = (Date.now() - started) / 1000;
      // 108 paid (every tenth of 120 refused), seen moving through several values on the same page.
      expect(await headline.getAttribute('data-paid')).toBe('108');
      expect(paidSeen.size, [...paidSeen].join(',')).toBeGreaterThanOrEqual(4);
      await page.waitForTimeout(1_500);
      expect(await page.getByTestId('figure-failed').textContent()).toBe('12');
      expect(await rate.textContent()).toBe('45,00\u00a0%');
      await expect(page.getByTestId('overview-alerts').locator('[data-kind="payments-failed"]').count()).resolves.toBe(2);
      await page.getByTestId('chart-days').waitFor({ timeout: WAIT_MS });
      const paidKayes = await page.getByTestId('overview-regions').locator('tr[data-region="KAY"] [data-testid="region-paid"]').textContent();
      expect(paidKayes).toBe('54');
      // Coalesced: one overview a second at most (plus one in flight), whatever the 24 batches did.
      console.log(`overview: ${pushed.length} pushes over ${seconds.toFixed(1)} s, paid values seen on the page: ${paidSeen.size}`);
      expect(pushed.length).toBeLessThanOrEqual(Math.ceil(seconds) + 3);
      expect(pushed.at(-1)!.paid).toBe(108);
      await screenshots(page, 'overview');
    } finally {
      socket.disconnect();
      await page.context().close();
    }
  });

  it('the steering committee’s report for 30 September 2020 says 17.11 %, and its first page renders', { timeout: 120_000 }, async () => {
    const session = signers[1]!;
    const answer = await fetch(`${baseUrl}/api/overview/report.pdf?year=2020&asOf=2020-09-30`, { headers: { cookie: session.cookie } });
    expect(answer.status).toBe(200);
    const pdf = Buffer.from(await answer.arrayBuffer());
    await mkdir(ARTIFACTS_DIR, { recursive: true });
    await writeFile(`${ARTIFACTS_DIR}overview-report.pdf`, pdf);

    // pdf.js renders the PDF's first page in the same Chromium; its files are served from node_modules.
    const { page } = await newPage({ width: 1240, height: 1754 });
    try {
      // The page's own module renders (vitest would rewrite an import() inside page.evaluate).
      const html = `<!doctype html><body style="margin:0"><canvas id="page"></canvas><script type="module">
        import * as pdfjs from '/build/pdf.min.mjs';
        pdfjs.GlobalWorkerOptions.workerSrc = '/build/pdf.worker.min.mjs';
        const doc = await pdfjs.getDocument({ url: '/report.pdf', standardFontDataUrl: '/standard_fonts/' }).promise;
        const first = await doc.getPage(1);
        const viewport = first.getViewport({ scale: 2 });
        const canvas = document.getElementById('page');
        canvas.width = viewport.width;
        canvas.height = viewport.height;
        await first.render({ canvas, viewport }).promise;
        const content = await first.getTextContent();
        window.reportText = content.items.map((i) => i.str ?? '').join(' ');
      </script></body>`;
      await page.route('http://report.local/**', async (route) => {
        const path = new URL(route.request().url()).pathname;
        if (path === '/') return route.fulfill({ contentType: 'text/html', body: html });
        if (path === '/report.pdf') return route.fulfill({ contentType: 'application/pdf', body: pdf });
        const file = await readFile(`${PDFJS}${path.slice(1)}`).catch(() => null);
        return file ? route.fulfill({ contentType: path.endsWith('.mjs') ? 'text/javascript' : 'application/octet-stream', body: file }) : route.fulfill({ status: 404 });
      });
      await page.goto('http://report.local/');
      const text = String(await (await page.waitForFunction(() => (window as unknown as { reportText?: string }).reportText, undefined, { timeout: WAIT_MS })).jsonValue());
      expect(text).toContain('17,11');
      expect(text).toContain('Situation au 30 septembre 2020');
      await page.locator('#page').screenshot({ path: `${ARTIFACTS_DIR}overview-report-page1.png` });
    } finally {
      await page.context().close();
    }
  });

  it('the coordinator drafts next year’s AWPB from 2020’s, saves it, and is told when someone else saved first', { timeout: 120_000 }, async () => {
    const NEXT = new Date().getUTCFullYear() + 1;
    const { page } = await newPage();
    const digits = async (testid: string) => (await page.getByTestId(testid).innerText()).replace(/\D/g, '');
    try {
      // The overview shows the latest AWPB up to today; its editor opens on the same year, with its total.
      await signInThroughPage(page, coordinator, '/apercu');
      await page.getByTestId('awpb-edit').click();
      await page.getByTestId('awpb-page').waitFor({ timeout: WAIT_MS });
      const shown = Number(new URL(page.url()).searchParams.get('annee'));
      const [onRecord] = await stack.database.sql<Array<{ total: number }>>`select sum(amount_fcfa)::float8 as total from awpb_forecasts where year = ${shown}`;
      expect(onRecord!.total).toBeGreaterThan(0);
      expect(await digits('awpb-total')).toBe(String(onRecord!.total));
      await page.getByTestId('awpb-year').selectOption(String(NEXT));
      await page.getByRole('button', { name: 'Ouvrir' }).click();
      await page.getByTestId('awpb-status').getByText(`Aucun PTBA enregistré pour ${NEXT}.`).waitFor({ timeout: WAIT_MS });
      await page.getByRole('button', { name: 'Partir du PTBA 2020' }).click();
      const rows = page.getByTestId('awpb-line');
      await expect.poll(() => digits('awpb-total'), { timeout: WAIT_MS }).toBe('15545000000');
      const first = Number(await page.getByTestId('awpb-amount').first().inputValue());
      await page.getByTestId('awpb-amount').first().fill(String(first + 1_000_000));
      await expect.poll(() => digits('awpb-total')).toBe('15546000000');

      // A new line has no amount yet (and may repeat another): the page says why and will not save it.
      const count = await rows.count();
      await page.getByTestId('awpb-add').click();
      await expect.poll(() => rows.count()).toBe(count + 1);
      expect(await page.getByTestId('awpb-save').isDisabled()).toBe(true);
      await rows.last().getByText(/Un montant entier de FCFA, positif ou nul|Même composante, source et région qu’une autre ligne/).waitFor({ timeout: WAIT_MS });
      await page.getByTestId('awpb-amount').last().fill('12');
      expect(await page.getByTestId('awpb-save').isDisabled()).toBe(await rows.last().getByText('Même composante, source et région qu’une autre ligne').isVisible());
      await page.getByRole('button', { name: `Retirer la ligne ${count + 1}` }).click();
      await expect.poll(() => rows.count()).toBe(count);

      await page.getByTestId('awpb-save').click();
      await page.getByTestId('awpb-status').getByText(`PTBA ${NEXT} enregistré.`).waitFor({ timeout: WAIT_MS });
      expect(await page.getByTestId('awpb-status').innerText()).toContain(`Modifié par ${coordinator.username}`);
      await screenshots(page, 'awpb-editor');
      const saved = await stack.database.sql<Array<{ n: number; total: number }>>`select count(*)::int as n, sum(amount_fcfa)::float8 as total from awpb_forecasts where year = ${NEXT}`;
      expect(saved[0]).toEqual({ n: count, total: 15_546_000_000 });

      // Another coordinator saves that year from the plan just saved; this page's next save is refused and reloads theirs.
      const other = signers[1]!;
      const theirs = (await other.call('GET', `/api/overview/forecasts/${NEXT}`)).body.plan;
      const put = await other.call('PUT', `/api/overview/forecasts/${NEXT}`, { lines: theirs.lines.slice(0, 1), basedOn: theirs.updatedAt });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      // Said at once, without saving or reloading.
      await page.getByTestId('awpb-changed-elsewhere').waitFor({ timeout: WAIT_MS });
      expect(await page.getByTestId('awpb-changed-elsewhere').innerText()).toContain('a enregistré ce PTBA');
      await screenshots(page, 'awpb-changed-elsewhere');
      await page.getByTestId('awpb-amount').first().fill('7');
      await page.getByTestId('awpb-save').click();
      await page.getByText('Quelqu’un a modifié ce PTBA depuis que vous l’avez ouvert.').waitFor({ timeout: WAIT_MS });
      expect((await stack.database.sql`select 1 from awpb_forecasts where year = ${NEXT}`).length).toBe(1);
      await page.getByTestId('awpb-reload').click();
      await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(1);
    } finally {
      await page.context().close();
    }
  });
});
