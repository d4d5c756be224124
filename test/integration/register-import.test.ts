import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, households, registerImports } from '../../db/schema';
import type { ApiSession } from '../../scripts/api-session';
import { registerImportWorkflowId } from '../../domain/ids';
import { maybeRecordHistory } from '../support/histories';
import { csv, household } from '../support/register-rows';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
let officer: ApiSession;

beforeAll(async () => {
  stack = await startTestStack('register_import');
  base = (await stack.startApi()).url;
  officer = await signInAs(stack.database, base, ['me-officer']);
});
afterAll(() => stack?.stop());

async function upload(body: string, query: string) {
  return officer.call('POST', `/api/register/imports?${query}`, body, { 'content-type': 'text/csv' });
}

async function finished(importId: string) {
  await expect
    .poll(async () => (await officer.call('GET', `/api/register/imports/${importId}`)).body.import.status, { timeout: 60_000, interval: 200 })
    .toBe('completed');
  return (await officer.call('GET', `/api/register/imports/${importId}`)).body.import;
}

const householdCount = async () => (await stack.database.db.select({ n: count() }).from(households))[0]!.n;

describe('register import', () => {
  it('imports the valid rows, reports each refused row with its field and reason, and never stops', async () => {
    const rows = [
      household(1),
      household(2, { commune_code: 'XXX-999' }),
      household(3),
      household(4, { birth_year: '19x5', sex: 'X' }),
      household(5, { phone: '12' }),
      household(6),
    ];
    const started = await upload(csv(rows), 'fileName=rsu-kayes.csv&format=csv');
    expect(started.status).toBe(202);
    const done = await finished(started.body.import.id);
    expect(done).toMatchObject({ rowsRead: 6, rowsAccepted: 3, rowsRejected: 3, rowsInserted: 3, rowsUpdated: 0 });
    await maybeRecordHistory(stack.client, registerImportWorkflowId(started.body.import.id), 'register-import', 'completed');

    const report = await officer.call('GET', `/api/register/imports/${started.body.import.id}/errors.csv`);
    expect(report.status).toBe(200);
    expect(String(report.body).trim().split('\n')).toEqual([
      'row,field,reason',
      '2,commune_code,"unknown commune ""XXX-999"""',
      '4,birth_year,"""19x5"" is not a birth year between 1900 and ' + (new Date().getUTCFullYear() - 12) + '"',
      '4,sex,"""X"" is neither F nor M"',
      '5,phone,not a valid phone number in Mali',
    ]);
    const [stored] = await stack.database.db.select().from(households).where(eq(households.rsuId, 'RSU-0000000001'));
    expect(stored).toMatchObject({ phone: expect.stringMatching(/^\+22376\d{6}$/), communeCode: 'KAY-001', covidHit: true });
  });

  it('re-importing the same file changes nothing; an update file updates and registers', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => household(100 + i));
    const first = await finished((await upload(csv(rows), 'fileName=base.csv&format=csv')).body.import.id);
    expect(first).toMatchObject({ rowsInserted: 40, rowsUpdated: 0 });
    const before = await householdCount();
    const again = await finished((await upload(csv(rows), 'fileName=base.csv&format=csv')).body.import.id);
    expect(again).toMatchObject({ rowsRead: 40, rowsAccepted: 40, rowsInserted: 0, rowsUpdated: 0 });
    expect(await householdCount()).toBe(before);

    const update = [...rows.slice(0, 10).map((r) => ({ ...r, household_size: '20', phone: '+223 90 11 22 33' })), household(500), household(501)];
    const updated = await finished((await upload(csv(update), 'fileName=collecte.csv&format=csv&kind=update')).body.import.id);
    expect(updated).toMatchObject({ rowsInserted: 2, rowsUpdated: 10 });
    const [changed] = await stack.database.db.select().from(households).where(eq(households.rsuId, rows[0]!.rsu_id));
    expect([changed!.householdSize, changed!.phone]).toEqual([20, '+22390112233']);
  });

  it('counts right when a later batch of a new file meets households of an earlier one', async () => {
    // Batches of 10,000 rows: the first is all new (inserted plainly); the second repeats household
    // 200,000 with a new size and refuses one row, so it is rolled back, with the third written
    // behind it, and both go again through the upsert.
    const rows = Array.from({ length: 20_000 }, (_, i) => household(200_000 + i));
    rows[15_000] = household(200_000, { household_size: '33' });
    rows[15_001] = household(215_001, { sex: 'X' });
    const tail = [household(300_000), household(300_001)];
    const started = await upload(csv([...rows, ...tail]), 'fileName=repeat.csv&format=csv');
    const done = await finished(started.body.import.id);
    expect(done).toMatchObject({ rowsRead: 20_002, rowsAccepted: 20_001, rowsRejected: 1, rowsInserted: 20_000, rowsUpdated: 1 });
    const [repeated] = await stack.database.db.select().from(households).where(eq(households.rsuId, rows[0]!.rsu_id));
    expect(repeated!.householdSize).toBe(33);
    const [stored] = await stack.database.db.select({ n: count() }).from(households).where(eq(households.lastImportId, started.body.import.id));
    expect(stored!.n).toBe(20_000);
    const report = await officer.call('GET', `/api/register/imports/${started.body.import.id}/errors.csv`);
    expect(String(report.body).trim().split('\n')).toEqual(['row,field,reason', '15002,sex,"""X"" is neither F nor M"']);
  });

  it('fails for good, with the reason, a file that cannot be read to its end instead of retrying it forever', async () => {
    const broken = csv([household(901), household(902)]) + 'RSU-0000000903,"Awa Traoré\n';
    const started = await upload(broken, 'fileName=rsu-coupe.csv&format=csv');
    expect(started.status).toBe(202);
    await expect
      .poll(async () => (await officer.call('GET', `/api/register/imports/${started.body.import.id}`)).body.import.status, { timeout: 60_000, interval: 200 })
      .toBe('failed');
    const failed = (await officer.call('GET', `/api/register/imports/${started.body.import.id}`)).body.import;
    expect(failed.failure).toContain('quoted field is not closed');
    // The workflow ends failed at once: no retry of a file that reads the same each time.
    const workflow = stack.client.workflow.getHandle(registerImportWorkflowId(started.body.import.id));
    await expect.poll(async () => (await workflow.describe()).status.name, { timeout: 10_000 }).toBe('FAILED');
  });

  it('reads NDJSON from collection apps as well', async () => {
    const lines = [household(700), household(701, { sex: 'Z' })].map((r) => JSON.stringify({ ...r, birth_year: Number(r.birth_year), food_insecure: true, covid_case: false, covid_hit: false })).join('\n');
    const started = await officer.call('POST', '/api/register/imports?fileName=app.ndjson&format=ndjson', lines + '\nnot json\n', { 'content-type': 'application/x-ndjson' });
    const done = await finished(started.body.import.id);
    expect(done).toMatchObject({ rowsRead: 3, rowsAccepted: 1, rowsRejected: 2 });
  });

  it('masks NINA and phone numbers in search, reveals them only in the area and audits the reveal', async () => {
    await finished((await upload(csv([household(900), household(901)]), 'fileName=mask.csv&format=csv')).body.import.id);
    const found = await officer.call('GET', '/api/register/households?q=RSU-0000000901');
    expect(found.body.households).toHaveLength(1);
    expect(found.body.households[0].nina).toMatch(/^•••• \d{4}$/);
    expect(found.body.households[0].phone).toMatch(/^•••• \d{4}$/);

    const kayes = await signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'KAY' });
    const inArea = await kayes.call('GET', '/api/register/households?q=RSU-0000000901');
    expect(inArea.body.households).toHaveLength(1);
    const outOfArea = await kayes.call('GET', '/api/register/households?q=RSU-0000000900');
    expect(outOfArea.body.households).toHaveLength(0);

    const revealed = await kayes.call('POST', '/api/register/households/RSU-0000000901/reveal');
    expect(revealed.status).toBe(200);
    expect(revealed.body.household.nina).toBe('19830812340901K');
    expect((await kayes.call('POST', '/api/register/households/RSU-0000000900/reveal')).status).toBe(404);
    expect((await officer.call('POST', '/api/register/households/RSU-0000000901/reveal')).status).toBe(403);
    const [audit] = await stack.database.db.select({ n: count() }).from(auditLog).where(eq(auditLog.action, 'personal-data.reveal'));
    expect(audit!.n).toBe(1);
  });
});

describe('register import with a worker killed mid-file', () => {
  let worker: ChildProcess | null = null;
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGKILL');
      await once(worker, 'exit');
    }
  });

  async function startWorkerProcess(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_TASK_QUEUE: stack.taskQueue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let output = '';
      child.stdout!.on('data', (d: Buffer) => {
        output += d;
        if (output.includes('polling task queue')) resolve();
      });
      child.stderr!.on('data', (d: Buffer) => (output += d));
      child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
    });
    return child;
  }

  it('resumes from its last committed batch instead of restarting, and counts every row once', async () => {
    await stack.stopWorker();
    worker = await startWorkerProcess();
    const rows = Array.from({ length: 60_000 }, (_, i) => household(10_000 + i, i % 1000 === 7 ? { sex: '?' } : {}));
    const started = await upload(csv(rows), 'fileName=grand-fichier.csv&format=csv');
    const id = started.body.import.id as string;
    const progress = async () => (await stack.database.db.select().from(registerImports).where(eq(registerImports.id, id)))[0]!;
    await expect.poll(async () => (await progress()).rowsRead, { timeout: 60_000, interval: 50 }).toBeGreaterThan(0);
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    const atKill = await progress();
    expect(atKill.status).toBe('running');
    expect(atKill.rowsRead).toBeLessThan(60_000);

    worker = await startWorkerProcess();
    await expect.poll(async () => (await progress()).status, { timeout: 90_000, interval: 250 }).toBe('completed');
    const done = await progress();
    expect(done).toMatchObject({ rowsRead: 60_000, rowsRejected: 60, rowsAccepted: 59_940 });
    expect(done.rowsInserted + done.rowsUpdated).toBe(59_940);
    const [stored] = await stack.database.db.select({ n: count() }).from(households).where(eq(households.lastImportId, id));
    expect(stored!.n).toBe(59_940);
  });
});
