import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, duplicatePairs, households } from '../../db/schema';
import { registerImportWorkflowId } from '../../domain/ids';
import { maybeRecordHistory } from '../support/histories';
import { csv, household, type Row } from '../support/register-rows';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let base: string;
let officer: Awaited<ReturnType<typeof signInAs>>;

const id = (n: number) => `RSU-${String(n).padStart(10, '0')}`;

/** Household n with a name, NINA and phone of its own, so only the deliberate overrides match. */
function row(n: number, commune: 'KAY-001' | 'MOP-001', overrides: Partial<Row> = {}): Row {
  return household(n, {
    head_name: `Chef ${['Awa', 'Bakary', 'Kadia', 'Seydou', 'Mariam', 'Oumar', 'Nana', 'Issa'][n % 8]} ${n}`,
    birth_year: String(1940 + n),
    nina: `${String(20000000000000 + n)}A`,
    phone: `76 ${String(n).padStart(2, '0')} 10 20`,
    commune_code: commune,
    ...overrides,
  });
}

const FIRST_FILE = [
  row(1, 'KAY-001'),
  row(2, 'KAY-001', { nina: row(1, 'KAY-001').nina }),
  row(3, 'KAY-001'),
  // The same number written another way: equal once normalised to E.164.
  row(4, 'KAY-001', { phone: '+223 76031020' }),
  row(5, 'MOP-001', { head_name: 'Fatoumata Keïta', birth_year: '1970' }),
  row(6, 'MOP-001', { head_name: 'FATOUMATA KEITA', birth_year: '1970', household_size: '9', village: 'Sévaré' }),
  // Same name and birth year, another commune: not a duplicate on that ground.
  row(7, 'KAY-001', { head_name: 'Fatoumata Keïta', birth_year: '1970' }),
  row(8, 'MOP-001'),
  row(9, 'MOP-001', { nina: row(8, 'MOP-001').nina, phone: row(8, 'MOP-001').phone }),
  row(10, 'MOP-001'),
  row(11, 'KAY-001'),
  row(12, 'MOP-001', { phone: row(11, 'KAY-001').phone }),
];

beforeAll(async () => {
  stack = await startTestStack('duplicates');
  base = (await stack.startApi()).url;
  officer = await signInAs(stack.database, base, ['me-officer']);
});
afterAll(() => stack?.stop());

/** Uploads a file and waits until its duplicates have been looked for. */
async function importFile(rows: Row[], kind: 'initial' | 'update' = 'initial') {
  const started = await officer.call('POST', `/api/register/imports?fileName=doublons.csv&format=csv&kind=${kind}`, csv(rows), { 'content-type': 'text/csv' });
  expect(started.status).toBe(202);
  const importId = started.body.import.id as string;
  await expect
    .poll(async () => (await officer.call('GET', `/api/register/imports/${importId}`)).body.import.duplicatePairs, { timeout: 60_000, interval: 200 })
    .not.toBeNull();
  return (await officer.call('GET', `/api/register/imports/${importId}`)).body.import;
}

const storedPairs = async () =>
  (await stack.database.db.select().from(duplicatePairs).orderBy(duplicatePairs.rsuIdA)).map((p) => ({ a: p.rsuIdA, b: p.rsuIdB, reasons: p.reasons, status: p.status }));

const pairId = async (a: number, b: number) =>
  (await stack.database.db.select().from(duplicatePairs).where(and(eq(duplicatePairs.rsuIdA, id(a)), eq(duplicatePairs.rsuIdB, id(b)))))[0]!.id;

const stored = async (n: number) => (await stack.database.db.select().from(households).where(eq(households.rsuId, id(n))))[0]!;

describe('duplicate detection and review', () => {
  it('an import flags exactly the pairs sharing a NINA, a phone once normalised, or a name and birth year in one commune', async () => {
    const done = await importFile(FIRST_FILE);
    expect(done).toMatchObject({ status: 'completed', rowsAccepted: 12, duplicatePairs: 5 });
    await maybeRecordHistory(stack.client, registerImportWorkflowId(done.id), 'register-import', 'completed-with-duplicates');
    expect(await storedPairs()).toEqual([
      { a: id(1), b: id(2), reasons: ['nina'], status: 'open' },
      { a: id(3), b: id(4), reasons: ['phone'], status: 'open' },
      { a: id(5), b: id(6), reasons: ['name-birth-commune'], status: 'open' },
      { a: id(8), b: id(9), reasons: ['nina', 'phone'], status: 'open' },
      { a: id(11), b: id(12), reasons: ['phone'], status: 'open' },
    ]);
  });

  it('re-importing the same file flags nothing new', async () => {
    const again = await importFile(FIRST_FILE);
    expect(again).toMatchObject({ rowsInserted: 0, rowsUpdated: 0, duplicatePairs: 0 });
    expect(await storedPairs()).toHaveLength(5);
  });

  it('the queue shows both records side by side, masked, with the fields that differ, in the caller’s area only', async () => {
    const open = await officer.call('GET', '/api/duplicates?status=open&limit=2');
    expect(open.status).toBe(200);
    expect(open.body.total).toBe(5);
    expect(open.body.pairs).toHaveLength(2);
    const second = await officer.call('GET', '/api/duplicates?status=open&limit=2&offset=4');
    expect(second.body).toMatchObject({ total: 5, pairs: [{ a: { rsuId: id(11) } }] });

    const pair = (await officer.call('GET', `/api/duplicates/${await pairId(5, 6)}`)).body.pair;
    expect(pair.a).toMatchObject({ rsuId: id(5), headName: 'Fatoumata Keïta', nina: expect.stringMatching(/^•••• \d{4}$/), phone: expect.stringMatching(/^•••• \d{4}$/) });
    expect(pair.b).toMatchObject({ rsuId: id(6), headName: 'FATOUMATA KEITA' });
    expect(pair.differences).toEqual(['headName', 'sex', 'nina', 'phone', 'village', 'householdSize', 'covidHit', 'welfareScore']);

    const mopti = await signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' });
    const seen = await mopti.call('GET', '/api/duplicates');
    expect(seen.body.pairs.map((p: { a: { rsuId: string } }) => p.a.rsuId)).toEqual([id(5), id(8)]);
    // A pair across two regions belongs to a national reviewer.
    const across = await mopti.call('GET', `/api/duplicates/${await pairId(11, 12)}`);
    expect(across.status).toBe(403);
  });

  it('keep: the other record is superseded, the pair closed with who and when, and the decision audited', async () => {
    const pair = await pairId(1, 2);
    const kept = await officer.call('POST', `/api/duplicates/${pair}/resolve`, { decision: 'keep', keep: id(1), note: 'Même NINA, même chef de ménage' });
    expect(kept.status).toBe(200);
    expect(kept.body.pair).toMatchObject({ status: 'kept', keptRsuId: id(1), resolvedBy: officer.user.username, note: 'Même NINA, même chef de ménage', b: { duplicateOf: id(1) } });
    expect((await stored(2)).duplicateOf).toBe(id(1));
    expect((await stored(1)).duplicateOf).toBeNull();
    const audit = await stack.database.db.select().from(auditLog).where(eq(auditLog.targetId, pair));
    expect(audit).toMatchObject([{ action: 'duplicate.keep', targetType: 'duplicate-pair', actorUsername: officer.user.username, after: { status: 'kept', kept: id(1), superseded: id(2) } }]);

    const again = await officer.call('POST', `/api/duplicates/${pair}/resolve`, { decision: 'distinct' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    expect((await stack.database.db.select().from(duplicatePairs).where(eq(duplicatePairs.id, pair)))[0]!.status).toBe('kept');
  });

  it('merge: the kept record takes the chosen fields from the other, which is superseded', async () => {
    const before = await stored(3);
    const other = await stored(4);
    const pair = await pairId(3, 4);
    const merged = await officer.call('POST', `/api/duplicates/${pair}/resolve`, { decision: 'merge', keep: id(3), take: ['householdSize', 'headName'] });
    expect(merged.status).toBe(200);
    expect(merged.body.pair).toMatchObject({ status: 'merged', keptRsuId: id(3) });
    const after = await stored(3);
    expect(after).toMatchObject({ householdSize: other.householdSize, headName: other.headName, village: before.village, nina: before.nina, duplicateOf: null });
    expect((await stored(4)).duplicateOf).toBe(id(3));
    const [audit] = await stack.database.db.select().from(auditLog).where(eq(auditLog.targetId, pair));
    expect(audit).toMatchObject({ action: 'duplicate.merge', after: { taken: ['householdSize', 'headName'], changed: { headName: other.headName, householdSize: other.householdSize }, replaced: { headName: before.headName } } });
  });

  it('refuses a bad decision with 400 and changes nothing', async () => {
    const pair = await pairId(8, 9);
    for (const bad of [
      { decision: 'keep' },
      { decision: 'keep', keep: id(1) },
      { decision: 'merge', keep: id(8), take: [] },
      { decision: 'merge', keep: id(8), take: ['rsuId'] },
      { decision: 'forget' },
      { decision: 'distinct', extra: 1 },
    ]) {
      const answer = await officer.call('POST', `/api/duplicates/${pair}/resolve`, bad);
      expect(answer.status, JSON.stringify(bad)).toBe(400);
      expect(answer.body.error.code).toBe('validation_failed');
    }
    expect((await stack.database.db.select().from(duplicatePairs).where(eq(duplicatePairs.id, pair)))[0]!.status).toBe('open');
    expect((await stored(9)).duplicateOf).toBeNull();
  });

  it('a focal point resolves pairs of their area only; an auditor reads but cannot decide', async () => {
    const kayes = await signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'KAY' });
    const outside = await kayes.call('POST', `/api/duplicates/${await pairId(8, 9)}/resolve`, { decision: 'distinct' });
    expect(outside.status).toBe(403);
    expect(outside.body.error.code).toBe('forbidden');
    const across = await kayes.call('POST', `/api/duplicates/${await pairId(11, 12)}/resolve`, { decision: 'keep', keep: id(11) });
    expect(across.status).toBe(403);
    expect((await stored(12)).duplicateOf).toBeNull();

    const auditor = await signInAs(stack.database, base, ['auditor']);
    expect((await auditor.call('GET', '/api/duplicates?status=kept')).body.total).toBe(1);
    expect((await auditor.call('POST', `/api/duplicates/${await pairId(8, 9)}/resolve`, { decision: 'distinct' })).status).toBe(403);
    const audits = await stack.database.db.select().from(auditLog).where(like(auditLog.action, 'duplicate.%'));
    expect(audits.map((a) => a.action).sort()).toEqual(['duplicate.keep', 'duplicate.merge']);
  });

  it('distinct: never flagged again by a later update file; new and widened matches still are', async () => {
    const mopti = await signInAs(stack.database, base, ['focal-point'], { level: 'region', region: 'MOP' });
    const pair = await pairId(5, 6);
    const distinct = await mopti.call('POST', `/api/duplicates/${pair}/resolve`, { decision: 'distinct', note: 'Deux ménages voisins' });
    expect(distinct.status).toBe(200);
    expect(distinct.body.pair).toMatchObject({ status: 'distinct', keptRsuId: null, resolvedBy: mopti.user.username });
    expect([(await stored(5)).duplicateOf, (await stored(6)).duplicateOf]).toEqual([null, null]);

    const update = [
      { ...FIRST_FILE[5]!, household_size: '10' },
      // A superseded record shares its NINA again: it is out of the running, no new pair.
      { ...FIRST_FILE[1]!, household_size: '11' },
      row(12, 'MOP-001', { phone: row(11, 'KAY-001').phone, nina: row(11, 'KAY-001').nina }),
      row(13, 'MOP-001', { nina: row(10, 'MOP-001').nina }),
    ];
    const done = await importFile(update, 'update');
    expect(done).toMatchObject({ rowsUpdated: 3, rowsInserted: 1, duplicatePairs: 1 });
    expect(await storedPairs()).toEqual([
      { a: id(1), b: id(2), reasons: ['nina'], status: 'kept' },
      { a: id(3), b: id(4), reasons: ['phone'], status: 'merged' },
      { a: id(5), b: id(6), reasons: ['name-birth-commune'], status: 'distinct' },
      { a: id(8), b: id(9), reasons: ['nina', 'phone'], status: 'open' },
      { a: id(10), b: id(13), reasons: ['nina'], status: 'open' },
      { a: id(11), b: id(12), reasons: ['nina', 'phone'], status: 'open' },
    ]);
  });

  it('an unknown or malformed pair id is 404', async () => {
    expect((await officer.call('GET', '/api/duplicates/00000000-0000-4000-8000-00000000dead')).status).toBe(404);
    expect((await officer.call('POST', '/api/duplicates/pas-un-id/resolve', { decision: 'distinct' })).status).toBe(404);
  });
});
