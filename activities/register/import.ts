import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import postgres, { type ReservedSql } from 'postgres';
import type { Database } from '../../db/client';
import { communes, registerImports, type ImportCheckpoint } from '../../db/schema';
import { IMPORTS_CHANNEL, type ImportProgress } from '../../domain/events';
import { REGISTER_COLUMNS } from '../../domain/register';
import type { FromParser, ParsedBatch, ParseJob, ToParser } from './parse-worker';

/** Rows per committed batch: each batch moves the checkpoint, so a killed worker redoes at most one. */
const BATCH_ROWS = 10_000;
const HEARTBEAT_MS = 1_000;
/**
 * The parser thread keeps under 30 MB alive (a batch or two of rows); left alone, V8 lets its heap
 * grow far past that before collecting, which alone would take the import over 300 MB.
 */
const PARSER_HEAP = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 64 };

/** The file's columns are the table's, in the same order (domain/register.ts). */
const COLUMNS = REGISTER_COLUMNS;
/** Each COPY line ends with the import's id (parse-worker.ts `copyLine`). */
const COPY_COLUMNS = [...COLUMNS, 'last_import_id'];
const UNIQUE_VIOLATION = '23505';

interface Totals {
  rows_read: number;
  rows_accepted: number;
  rows_rejected: number;
  bytes_total: number;
  started_ms: number | null;
}

export interface ImportResult {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsInserted: number;
  rowsUpdated: number;
}

/** The parser thread's batches, in order, until it is done; its failure fails the activity (and is retried). */
async function* batchesOf(parser: Worker): AsyncGenerator<ParsedBatch> {
  const queue: FromParser[] = [];
  let wake: (() => void) | null = null;
  const push = (m: FromParser) => {
    queue.push(m);
    wake?.();
    wake = null;
  };
  parser.on('message', push);
  parser.on('error', (err) => push({ type: 'error', message: err.message }));
  parser.on('exit', (code) => push(code === 0 ? { type: 'done' } : { type: 'error', message: `parser thread exited with ${code}` }));
  for (;;) {
    while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const m = queue.shift()!;
    if (m.type === 'done') return;
    if (m.type === 'error') throw new Error(`Reading the register file failed: ${m.message}`);
    yield m.batch;
  }
}

export function createRegisterImportActivities({ database }: { database: Database }) {
  const { sql, db } = database;

  const set = COLUMNS.filter((c) => c !== 'rsu_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  const changed = COLUMNS.filter((c) => c !== 'rsu_id')
    .map((c) => `households.${c} is distinct from excluded.${c}`)
    .join(' or ');

  /** Copies a batch into the session's staging table (emptied at each commit). */
  async function stage(conn: ReservedSql, copyText: string) {
    // postgres.js loses an error raised by a COPY after its last byte is sent (the end callback never
    // fires): only this constraint-free temp table is ever copied into, never households itself.
    const writable = await conn`copy register_staging (${conn.unsafe(COPY_COLUMNS.join(', '))}) from stdin`.writable();
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
         insert into households (${COPY_COLUMNS.join(', ')})
         select ${COPY_COLUMNS.join(', ')} from register_staging
         on conflict (rsu_id) do update set ${set}, last_import_id = excluded.last_import_id, updated_at = now()
         where ${changed}
         returning (xmax = 0) as inserted
       )
       select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from up`,
    );
    return counts!;
  }

  // Drizzle sets this client's JSON serializer to pass strings through: JSON goes in as text, cast to jsonb.
  /**
   * Writes one batch, its errors, the counters and the checkpoint in one transaction, on the import's
   * own connection. Statements whose results nothing waits for go out together (pipelined): on a busy
   * machine each round trip waits for both processes to be scheduled, and a batch would make six.
   */
  async function writeBatch(conn: ReservedSql, importId: string, { copyText, accepted, errors, checkpoint, read }: ParsedBatch, onlyNew: boolean) {
    const rejectedRows = new Set(errors.map((e) => e.rowNumber)).size;
    try {
      const begun = conn`begin`.execute();
      let counts = { inserted: 0, updated: 0 };
      const sent: Promise<unknown>[] = [begun];
      if (accepted > 0) {
        await stage(conn, copyText);
        if (onlyNew) {
          sent.push(conn.unsafe(`insert into households (${COPY_COLUMNS.join(', ')}) select ${COPY_COLUMNS.join(', ')} from register_staging`).execute());
          counts = { inserted: accepted, updated: 0 };
        } else {
          counts = await upsertStaged(conn);
        }
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

  /**
   * While batches hold only new households (a first import), they go in with a plain insert, which
   * costs Postgres a quarter less than the upsert's conflict handling. The first batch that meets a
   * known RSU id is rolled back and written again by the upsert, as is the rest of the file.
   */
  async function commitBatch(conn: ReservedSql, importId: string, batch: ParsedBatch, mode: { onlyNew: boolean }) {
    if (mode.onlyNew) {
      try {
        return await writeBatch(conn, importId, batch, true);
      } catch (err) {
        if (!(err instanceof postgres.PostgresError && err.code === UNIQUE_VIOLATION)) throw err;
        mode.onlyNew = false;
      }
    }
    return writeBatch(conn, importId, batch, false);
  }

  return {
    /**
     * Streams a register file into the households table. Each batch commits its rows with the
     * checkpoint, so a retry after a killed worker continues from the last committed batch.
     */
    async importRegisterFile({ importId }: { importId: string }): Promise<ImportResult> {
      const [job] = await db.select().from(registerImports).where(eq(registerImports.id, importId));
      if (!job) throw ApplicationFailure.nonRetryable(`No register import ${importId}`, 'NotFound');
      if (job.status === 'completed') return job;
      try {
        await stat(job.filePath);
      } catch {
        await db.update(registerImports).set({ status: 'failed', failure: 'The uploaded file is no longer on disk.', finishedAt: new Date() }).where(eq(registerImports.id, importId));
        throw ApplicationFailure.nonRetryable(`File of import ${importId} is missing`, 'FileMissing');
      }
      await db.update(registerImports).set({ status: 'running', startedAt: job.startedAt ?? new Date() }).where(eq(registerImports.id, importId));

      const known = (await db.select({ code: communes.code }).from(communes)).map((c) => c.code);
      const from: ImportCheckpoint = job.checkpoint ?? { byteOffset: 0, rowNumber: 0, columns: null };
      let lastBeat = 0;

      const notifyProgress = async (totals: Totals, bytesRead: number, status: ImportProgress['status']) => {
        const elapsed = totals.started_ms ? (Date.now() - totals.started_ms) / 1000 : 0;
        const rate = elapsed > 0 ? bytesRead / elapsed : 0;
        const progress: ImportProgress = {
          importId,
          status,
          rowsRead: totals.rows_read,
          rowsAccepted: totals.rows_accepted,
          rowsRejected: totals.rows_rejected,
          bytesRead,
          bytesTotal: totals.bytes_total,
          secondsLeft: status === 'running' && rate > 0 ? Math.round((totals.bytes_total - bytesRead) / rate) : 0,
        };
        await sql`select pg_notify(${IMPORTS_CHANNEL}, ${JSON.stringify(progress)})`;
      };

      // Reading and checking rows runs in a worker thread, so it overlaps the database writes here.
      const parseJob: ParseJob = { importId, path: job.filePath, format: job.format, from, communes: known, batchRows: BATCH_ROWS };
      const parser = new Worker(new URL('./parse-worker-entry.mjs', import.meta.url), { workerData: parseJob, resourceLimits: PARSER_HEAP });
      const mode = { onlyNew: true };
      // One connection for the whole file: its session settings and staging table are set up once.
      const conn = await sql.reserve();
      try {
        // Not waiting for the WAL flush at each commit is safe: a batch's checkpoint commits with its
        // rows, so a batch lost to a database crash is lost with its checkpoint and simply read again.
        await conn`set synchronous_commit = off`;
        await conn`create temp table if not exists register_staging (like households including defaults) on commit delete rows`;
        for await (const batch of batchesOf(parser)) {
          const totals = await commitBatch(conn, importId, batch, mode);
          parser.postMessage({ type: 'next' } satisfies ToParser);
          const now = Date.now();
          if (now - lastBeat >= HEARTBEAT_MS) {
            lastBeat = now;
            Context.current().heartbeat({ rowNumber: batch.checkpoint.rowNumber });
            await notifyProgress(totals, batch.checkpoint.byteOffset, 'running');
          }
        }
      } finally {
        await conn`reset synchronous_commit`.catch(() => undefined);
        conn.release();
        await parser.terminate();
      }

      const [done] = await db
        .update(registerImports)
        .set({ status: 'completed', finishedAt: new Date() })
        .where(eq(registerImports.id, importId))
        .returning();
      await notifyProgress({ rows_read: done!.rowsRead, rows_accepted: done!.rowsAccepted, rows_rejected: done!.rowsRejected, bytes_total: done!.bytesTotal, started_ms: done!.startedAt?.getTime() ?? null }, done!.bytesTotal, 'completed');
      return done!;
    },
  };
}
