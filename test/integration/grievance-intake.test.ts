import { eq } from 'drizzle-orm';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { grievanceSettingsFrom, readApiEnv } from '../../api/env';
import { grievanceCases, households } from '../../db/schema';
import type { GrievanceChanged } from '../../domain/events';
import { DEFAULT_GRIEVANCE_SETTINGS } from '../../domain/grievances';
import { callApi, type ApiSession } from '../../scripts/api-session';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

// The paper register's CSV import, the live relay of case changes, and the settings read from the environment.
type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
let stack: TestStack;
let base: string;
let officer: ApiSession;
let focal: ApiSession;
let otherRegion: ApiSession;
const sockets: ConsoleSocket[] = [];
const rsu = (n: number) => `RSU-CSV-${String(n).padStart(4, '0')}`;

beforeAll(async () => {
  stack = await startTestStack('grievance_intake');
  base = (await stack.startApi()).url;
  await stack.database.db.insert(households).values(
    [1, 2, 3].map((n) => ({ rsuId: rsu(n), headName: `Chef ${n}`, sex: 'M' as const, birthYear: 1980, nina: `CSVNINA${n}`, phone: `+2237700300${n}`, communeCode: 'KAY-001', village: 'Kalaban', householdSize: 4, foodInsecure: true, covidCase: false, covidHit: false })),
  );
  [officer, focal, otherRegion] = await Promise.all([
    signInAs(stack.database, base, ['grievance-officer'], { level: 'region', region: 'KAY' }),
    signInAs(stack.database, base, ['focal-point'], { level: 'commune', region: 'KAY', commune: 'KAY-001' }),
    signInAs(stack.database, base, ['grievance-officer'], { level: 'region', region: 'MOP' }),
  ]);
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await stack?.stop();
});

const csv = (body: string) => callApi(base, 'POST', '/api/grievances/imports', body, { cookie: officer.cookie, 'x-csrf-token': officer.csrfToken, 'content-type': 'text/csv' });

describe('paper register import', () => {
  it('files each valid row through the same path as the console, links a repeat, and reports each refused row with why', async () => {
    const file = [
      'category,rsu_id,nina,phone,name,commune,cycle_id,description',
      `non-payment,${rsu(1)},,,,,,Pas reçu le 2e paiement`,
      'wrong-amount,,CSVNINA2,,,,,Montant incomplet',
      'exclusion,,,76 00 55 44,Awa Coulibaly,KAY-001,,Non retenue',
      `non-payment,${rsu(1)},,,,,,Même plainte`,
      `complaint,${rsu(3)},,,,,,`,
      'other,RSU-NOBODY,,,,,,',
      'data-correction,,,77003003,,,,Nouveau numéro',
    ].join('\n');
    const answer = await csv(file);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ rows: 7, filed: 4, duplicates: 1 });
    expect(answer.body.errors.map((e: { row: number }) => e.row)).toEqual([6, 7]);
    expect(answer.body.errors[0].message).toContain('category');
    expect(answer.body.errors[1].message).toContain('RSU-NOBODY');
    const rows = await stack.database.db.select().from(grievanceCases).where(eq(grievanceCases.channel, 'csv'));
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.linkedTo)).toHaveLength(1);
    expect(rows.find((r) => r.category === 'data-correction')?.householdRsuId).toBe(rsu(3));
    expect(rows.find((r) => r.category === 'exclusion')).toMatchObject({ householdRsuId: null, complainantName: 'Awa Coulibaly' });
  });

  it('refuses a broken file whole with a 4xx and files nothing', async () => {
    const before = (await stack.database.db.select().from(grievanceCases)).length;
    for (const broken of ['', 'category,rsu_id\n"non-payment,RSU-CSV-0002\n', 'rsu_id,colour\nRSU-CSV-0002,blue\n', 'category,rsu_id\nnon-payment,RSU-CSV-0002,extra,fields\n']) {
      const answer = await csv(broken);
      expect(answer.status, broken).toBe(400);
      expect(answer.body.error.code).toBe('validation_failed');
    }
    expect((await stack.database.db.select().from(grievanceCases)).length).toBe(before);
  });
});

describe('live case changes', () => {
  async function openSocket(session: ApiSession): Promise<ConsoleSocket> {
    const socket: ConsoleSocket = connect(base, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: session.cookie } });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    });
    const watched = await new Promise<{ ok: boolean }>((resolve) => socket.emit('grievances:watch', resolve));
    expect(watched.ok).toBe(true);
    return socket;
  }

  it('relays a filing to watchers of its area only, and misconduct only to those who may read it', async () => {
    const received = new Map<string, GrievanceChanged[]>();
    for (const [name, session] of [['officer', officer], ['focal', focal], ['other', otherRegion]] as const) {
      received.set(name, []);
      (await openSocket(session)).on('grievance:changed', (change) => received.get(name)!.push(change));
    }
    const plain = await officer.call('POST', '/api/grievances/cases', { category: 'other', complainant: { kind: 'household', rsuId: rsu(2) } });
    const sensitive = await officer.call('POST', '/api/grievances/cases', { category: 'fraud', complainant: { kind: 'household', rsuId: rsu(2) } });
    expect([plain.status, sensitive.status]).toEqual([201, 201]);
    const refs = (name: string) => received.get(name)!.map((c) => c.reference);
    await expect.poll(() => refs('officer'), { timeout: 15_000 }).toEqual(expect.arrayContaining([plain.body.case.reference, sensitive.body.case.reference]));
    await expect.poll(() => refs('focal'), { timeout: 15_000 }).toContain(plain.body.case.reference);
    await new Promise((r) => setTimeout(r, 500));
    expect(refs('focal')).not.toContain(sensitive.body.case.reference);
    expect(refs('other')).toEqual([]);
  });
});

describe('grievance settings from the environment', () => {
  const env = { DATABASE_URL: 'postgres://x@127.0.0.1/x' };
  it('reads deadlines per category in seconds and keeps the defaults of the others; a bad value stops the start with its name', () => {
    const read = readApiEnv({ ...env, JIGI_GRIEVANCE_DEADLINES: 'non-payment=60, exclusion=120', JIGI_GRIEVANCE_REOPEN_SECONDS: '30' });
    expect(grievanceSettingsFrom(read)).toEqual({ deadlineSeconds: { ...DEFAULT_GRIEVANCE_SETTINGS.deadlineSeconds, 'non-payment': 60, exclusion: 120 }, reopenSeconds: 30 });
    expect(grievanceSettingsFrom(readApiEnv(env))).toEqual(DEFAULT_GRIEVANCE_SETTINGS);
    expect(() => readApiEnv({ ...env, JIGI_GRIEVANCE_DEADLINES: 'unpaid=60' })).toThrow(/JIGI_GRIEVANCE_DEADLINES/);
    expect(() => readApiEnv({ ...env, JIGI_GRIEVANCE_DEADLINES: 'non-payment=0' })).toThrow(/JIGI_GRIEVANCE_DEADLINES/);
    expect(() => readApiEnv({ ...env, JIGI_GRIEVANCE_REOPEN_SECONDS: 'soon' })).toThrow(/JIGI_GRIEVANCE_REOPEN_SECONDS/);
  });
});
