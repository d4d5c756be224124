// Temporary experiment (not committed): the cost of counting attempts before the call, at a million.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDatabase } from '../db/client';
import { loadGeography } from '../db/geography';
import { migrateDatabase } from '../db/migrate';
import { paymentIdempotencyKey } from '../domain/payments';
import { dropDatabase, ensureDatabase } from '../scripts/stack/postgres';
import { mapLimit } from '../activities/payment-batch';
import { seedDisbursement } from './disbursement';
import { adminUrl } from './support';

const name = 'jigi_exp_attempts';
const url = await ensureDatabase(adminUrl, name);
await migrateDatabase(url);
const database = createDatabase(url, { max: 4 });
await loadGeography(database);
const { sql } = database;
const n = 1_000_000, batch = 1000;
const plan = { households: 1, perCommune: 1, agencies: 1, batchSize: batch, bulkSize: null, ratePerSecond: 1, simUrl: 'http://127.0.0.1:1', invalidEvery: 0 };
for (const mode of process.argv.slice(2)) {
  const seeded = await seedDisbursement(database, plan, `Exp ${mode}`);
  const { listId, agencyId, communeCode } = seeded.lists[0]!;
  const cycleId = seeded.cycleId;
  let t = performance.now();
  const rows = Readable.from((function* () {
    for (let i = 0; i < n; i += 1) {
      const rsuId = `RAW-${String(i).padStart(10, '0')}`;
      yield `${cycleId}\t${rsuId}\t1\t${listId}\t${Math.floor(i / batch)}\t1\t${communeCode}\t${agencyId}\tworld-bank-af2\t90000\t+22370000001\t${paymentIdempotencyKey({ cycleId, rsuId, tranche: 1, generation: 0 })}\n`;
    }
  })());
  await pipeline(rows, await sql`copy payments (cycle_id, rsu_id, tranche, list_id, batch_no, region_code, commune_code, agency_id, funding_source, amount_fcfa, phone, idempotency_key) from stdin`.writable());
  const copyS = (performance.now() - t) / 1000;
  t = performance.now();
  let bumpMs = 0;
  await mapLimit(Array.from({ length: n / batch }, (_, i) => i), 2, async (batchNo) => {
    const ids = (await sql<Array<{ id: number }>>`select id::float8 as id from payments where list_id = ${listId} and batch_no = ${batchNo} and status = 'pending'`).map((r) => r.id);
    const b = performance.now();
    if (mode === 'bump') await sql`update payments set attempts = attempts + 1, updated_at = now() where id = any(${sql.array(ids)}::bigint[])`;
    bumpMs += performance.now() - b;
    await sql`
      with u as (select * from unnest(${sql.array(ids)}::bigint[], ${sql.array(ids.map((id) => `SIM${id}`))}::text[]) as u(id, reference)),
      changed as (
        update payments p set status = 'confirmed', agency_reference = u.reference, submitted_at = now(), confirmed_at = now(), updated_at = now(), attempts = attempts + ${mode === 'bump' ? 0 : 1}
        from u where p.id = u.id and p.status = 'pending' returning p.id, p.generation
      )
      insert into payment_status_history (payment_id, from_status, to_status, generation) select id, 'pending', 'confirmed', generation from changed`;
  });
  console.log(JSON.stringify({ mode, copyS, updatesS: (performance.now() - t) / 1000, bumpS: bumpMs / 1000 }));
}
await database.close();
await dropDatabase(adminUrl, name);
