import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { communes, registerImports, type ImportCheckpoint } from '../../db/schema';
import { IMPORTS_CHANNEL, type ImportProgress } from '../../domain/events';
import { openBatchWriter, type Totals } from './batch-writer';
import type { FromParser, ParsedBatch, ParseJob, ToParser } from './parse-worker';

/**
 * Rows per committed batch: each batch moves the checkpoint, so a killed worker redoes at most one
 * batch's insert (and the copy of the next one into its staging table).
 */
const BATCH_ROWS = 10_000;
const HEARTBEAT_MS = 1_000;
/**
 * The parser thread keeps under 30 MB alive (a batch or two of rows); left alone, V8 lets its heap
 * grow far past that before collecting, which alone would take the import over 300 MB.
 */
const PARSER_HEAP = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 64 };

export interface ImportResult {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsInserted: number;
  rowsUpdated: number;
}

/** The file cannot be read to its end: the import fails for good instead of being retried forever. */
class UnreadableFile extends Error {}

/** The parser thread's batches, in order, until it is done; its failure fails the activity (and is retried unless the file is broken). */
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
    if (m.type === 'error') {
      const message = `Reading the register file failed: ${m.message}`;
      throw m.unreadable ? new UnreadableFile(message) : new Error(message);
    }
    yield m.batch;
  }
}

export function createRegisterImportActivities({ database }: { database: Database }) {
  const { sql, db } = database;

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

      const writer = await openBatchWriter(sql, importId, async (batch, totals) => {
        parser.postMessage({ type: 'next' } satisfies ToParser);
        const now = Date.now();
        if (now - lastBeat >= HEARTBEAT_MS) {
          lastBeat = now;
          Context.current().heartbeat({ rowNumber: batch.checkpoint.rowNumber });
          await notifyProgress(totals, batch.checkpoint.byteOffset, 'running');
        }
      });
      // Reading and checking rows runs in a worker thread, so it overlaps the database writes here.
      const parseJob: ParseJob = { importId, path: job.filePath, format: job.format, from, communes: known, batchRows: BATCH_ROWS, ahead: writer.ahead };
      const parser = new Worker(new URL('./parse-worker-entry.mjs', import.meta.url), { workerData: parseJob, resourceLimits: PARSER_HEAP });
      try {
        for await (const batch of batchesOf(parser)) await writer.add(batch);
        await writer.drain();
      } catch (err) {
        if (!(err instanceof UnreadableFile)) throw err;
        // What was committed before the broken place stays; the rest of the file cannot be read.
        const [failed] = await db.update(registerImports).set({ status: 'failed', failure: err.message, finishedAt: new Date() }).where(eq(registerImports.id, importId)).returning();
        const totals = { rows_read: failed!.rowsRead, rows_accepted: failed!.rowsAccepted, rows_rejected: failed!.rowsRejected, bytes_total: failed!.bytesTotal, started_ms: failed!.startedAt?.getTime() ?? null };
        await notifyProgress(totals, failed!.checkpoint?.byteOffset ?? 0, 'failed');
        throw ApplicationFailure.nonRetryable(err.message, 'RegisterFileUnreadable');
      } finally {
        await writer.close();
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
