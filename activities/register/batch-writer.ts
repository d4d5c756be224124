import postgres, { type ReservedSql, type Sql } from 'postgres';
import { REGISTER_COLUMNS } from '../../domain/register';
import type { ParsedBatch } from './parse-worker';

/** Counters of the import after a batch, as the activity reports them. */
export interface Totals {
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  bytes_total: number;
  started_ms: number | null;
}

/** Each COPY line is a household in the file's column order, then the import's id (parse-worker.ts `copyLine`). */
const COPY_COLUMNS = [...REGISTER_COLUMNS, 'last_import_id'].join(', ');
const UNIQUE_VIOLATION = '23505';
/**
 * Two connections take turns: one copies a batch into its staging table while the other inserts the
 * batch before. Inserts stay one at a time and in file order, so two batches never wait on each
 * other's rows inside Postgres.
 */
const CONNECTIONS = 2;

const SET_CHANGED = REGISTER_COLUMNS.filter((c) => c !== 'rsu_id')
  .map((c) => `${c} = excluded.${c}`)
  .join(', ');
const CHANGED = REGISTER_COLUMNS.filter((c) => c !== 'rsu_id')
  .map((c) => `households.${c} is distinct from excluded.${c}`)
  .join(' or ');

/** Copies a batch into the session's staging table (emptied at each commit). */
async function stage(conn: ReservedSql, copyText: string) {
  // postgres.js loses an error raised by a COPY after its last byte is sent (the end callback never
  // fires): only this constraint-free temp table is ever copied into, never households itself.
  const writable = await conn`copy register_staging (${conn.unsafe(COPY_COLUMNS)}) from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    writable.on('error', reject);
    writable.end(copyText, () => resolve());
  });
}

/** Upserts the staged rows: new households are inserted, changed ones updated, the same ones left alone. */
async function upsertStaged(conn: ReservedSql): Promise<{ inserted: number; updated: number }> {
  // Re-importing the same rows changes nothing: unchanged rows are not even rewritten.
  const [counts] = await conn.unsafe<Array<{ inserted: number; updated: number }>>(
    `with up as (
       insert into households (${COPY_COLUMNS})
       select ${COPY_COLUMNS} from register_staging
       on conflict (rsu_id) do update set ${SET_CHANGED}, last_import_id = excluded.last_import_id, updated_at = now()
       where ${CHANGED}
       returning (xmax = 0) as inserted
     )
     select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from up`,
  );
  return counts!;
}

// Drizzle sets this client's JSON serializer to pass strings through: JSON goes in as text, cast to jsonb.
/**
 * Writes one batch, its errors, the counters and the checkpoint in one transaction, once the batch
 * before (`after`) has committed; if that one failed, this one is rolled back with its error.
 * Statements whose results nothing waits for go out together (pipelined): on a busy machine each
 * round trip waits for both processes to be scheduled, and a batch would make six.
 */
async function writeBatch(conn: ReservedSql, importId: string, batch: ParsedBatch, onlyNew: boolean, after: Promise<unknown>): Promise<Totals> {
  const { copyText, accepted, errors, checkpoint, read } = batch;
  const rejectedRows = new Set(errors.map((e) => e.rowNumber)).size;
  try {
    const begun = conn`begin`.execute();
    begun.catch(() => undefined); // awaited below; a failure before then must not go unhandled
    if (accepted > 0) await stage(conn, copyText);
    await after;
    const sent: Promise<unknown>[] = [begun];
    let counts = { inserted: 0, updated: 0 };
    if (accepted > 0 && onlyNew) {
      sent.push(conn.unsafe(`insert into households (${COPY_COLUMNS}) select ${COPY_COLUMNS} from register_staging`).execute());
      counts = { inserted: accepted, updated: 0 };
    } else if (accepted > 0) {
      counts = await upsertStaged(conn);
    }
    if (errors.length > 0) {
      sent.push(conn`insert into register_import_errors ${conn(errors.map((e) => ({ import_id: importId, row_number: e.rowNumber, field: e.field, reason: e.reason })))} on conflict do nothing`.execute());
    }
    const totals = conn<Totals[]>`
      update register_imports set
        rows_read = rows_read + ${read},
        rows_accepted = rows_accepted + ${read - rejectedRows},
        rows_rejected = rows_rejected + ${rejectedRows},
        rows_inserted = rows_inserted + ${counts.inserted},
        rows_updated = rows_updated + ${counts.updated},
        checkpoint = ${JSON.stringify(checkpoint)}::jsonb
      where id = ${importId}
      returning rows_read, rows_accepted, rows_rejected, bytes_total::float8 as bytes_total, (extract(epoch from started_at) * 1000)::float8 as started_ms`.execute();
    // After a failed statement Postgres answers this commit with a rollback, and the failure rejects below.
    sent.push(totals, conn`commit`.execute());
    await Promise.all(sent);
    return (await totals)[0]!;
  } catch (err) {
    await conn`rollback`.catch(() => undefined);
    throw err;
  }
}

const isUniqueViolation = (err: unknown) => err instanceof postgres.PostgresError && err.code === UNIQUE_VIOLATION;

/**
 * Writes an import's batches in file order, each committed with its checkpoint. While batches hold
 * only new households (a first import) they go in with a plain insert, which costs Postgres a
 * quarter less than the upsert's conflict handling; the first batch that meets a known RSU id is
 * rolled back, with the one behind it, and both are written again by the upsert, as is the rest.
 */
export async function openBatchWriter(sql: Sql, importId: string, onCommitted: (batch: ParsedBatch, totals: Totals) => Promise<void>) {
  const conns: ReservedSql[] = [];
  for (let i = 0; i < CONNECTIONS; i++) {
    const conn = await sql.reserve();
    conns.push(conn);
    // Not waiting for the WAL flush at each commit is safe: a batch's checkpoint commits with its
    // rows, so a batch lost to a database crash is lost with its checkpoint and simply read again.
    await conn`set synchronous_commit = off`;
    await conn`create temp table if not exists register_staging (like households including defaults) on commit delete rows`;
  }
  let onlyNew = true;
  let turn = 0;
  let last: Promise<unknown> = Promise.resolve();
  let inFlight: Array<{ batch: ParsedBatch; done: Promise<Totals> }> = [];

  const start = (batch: ParsedBatch) => {
    const done = writeBatch(conns[turn++ % CONNECTIONS]!, importId, batch, onlyNew, last);
    done.catch(() => undefined); // settled in order by settleOldest
    last = done;
    inFlight.push({ batch, done });
  };

  const settleOldest = async () => {
    const { batch, done } = inFlight.shift()!;
    let totals: Totals;
    try {
      totals = await done;
    } catch (err) {
      const behind = inFlight;
      inFlight = [];
      await Promise.allSettled(behind.map((w) => w.done)); // each rolls back on this failure
      if (!(onlyNew && isUniqueViolation(err))) throw err;
      onlyNew = false;
      last = Promise.resolve();
      for (const again of [batch, ...behind.map((w) => w.batch)]) await onCommitted(again, await writeBatch(conns[0]!, importId, again, false, last));
      return;
    }
    await onCommitted(batch, totals);
  };

  return {
    /** Batches the parser may have sent ahead of the last commit: the ones being written and one more. */
    ahead: CONNECTIONS + 1,
    async add(batch: ParsedBatch) {
      if (inFlight.length === CONNECTIONS) await settleOldest();
      start(batch);
    },
    async drain() {
      while (inFlight.length > 0) await settleOldest();
    },
    /** Lets the batches in flight finish (committed batches are consistent whatever failed) and gives the connections back. */
    async close() {
      await Promise.allSettled(inFlight.map((w) => w.done));
      for (const conn of conns) {
        await conn`reset synchronous_commit`.catch(() => undefined);
        conn.release();
      }
    },
  };
}
