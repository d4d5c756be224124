import { stat } from 'node:fs/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { communes, registerImports, type ImportCheckpoint } from '../../db/schema';
import { IMPORTS_CHANNEL, type ImportProgress } from '../../domain/events';
import type { HouseholdRecord } from '../../domain/register';
import { readRows } from './read-rows';
import { validateRow, type RowError } from './validate-row';

/** Rows per committed batch: each batch moves the checkpoint, so a killed worker redoes at most one. */
const BATCH_ROWS = 10_000;
const HEARTBEAT_MS = 1_000;

const COLUMNS = [
  'rsu_id',
  'head_name',
  'sex',
  'birth_year',
  'nina',
  'phone',
  'commune_code',
  'village',
  'household_size',
  'food_insecure',
  'covid_case',
  'covid_hit',
  'welfare_score',
] as const;

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

/** COPY's text format: tab-separated, \N for null, backslash escaped (validation refused control characters). */
function copyLine(r: HouseholdRecord): string {
  const esc = (v: string | null) => (v === null ? '\\N' : v.replace(/\\/g, '\\\\'));
  return [
    r.rsuId,
    esc(r.headName),
    r.sex,
    r.birthYear,
    esc(r.nina),
    esc(r.phone),
    r.communeCode,
    esc(r.village),
    r.householdSize,
    r.foodInsecure ? 't' : 'f',
    r.covidCase ? 't' : 'f',
    r.covidHit ? 't' : 'f',
    r.welfareScore === null ? '\\N' : r.welfareScore,
  ].join('\t');
}

export function createRegisterImportActivities({ database }: { database: Database }) {
  const { sql, db } = database;

  // Drizzle sets this client's JSON serializer to pass strings through: JSON goes in as text, cast to jsonb.
  /** Writes one batch, its errors, the counters and the checkpoint in one transaction. */
  async function commitBatch(importId: string, records: Map<string, HouseholdRecord>, errors: Array<RowError & { rowNumber: number }>, checkpoint: ImportCheckpoint, read: number) {
    return sql.begin(async (tx) => {
      // The checkpoint commits with its rows: a batch lost to a database crash is simply read again.
      await tx`set local synchronous_commit = off`;
      let inserted = 0;
      let updated = 0;
      if (records.size > 0) {
        await tx`create temp table if not exists register_staging (like households including defaults) on commit delete rows`;
        const writable = await tx`copy register_staging (${tx.unsafe(COLUMNS.join(', '))}) from stdin`.writable();
        const body = [...records.values()].map(copyLine).join('\n') + '\n';
        await new Promise<void>((resolve, reject) => {
          writable.on('error', reject);
          writable.end(body, () => resolve());
        });
        const set = COLUMNS.filter((c) => c !== 'rsu_id')
          .map((c) => `${c} = excluded.${c}`)
          .join(', ');
        const changed = COLUMNS.filter((c) => c !== 'rsu_id')
          .map((c) => `households.${c} is distinct from excluded.${c}`)
          .join(' or ');
        // Re-importing the same rows changes nothing: unchanged rows are not even rewritten.
        const [counts] = await tx.unsafe(
          `with up as (
             insert into households (${COLUMNS.join(', ')}, last_import_id)
             select ${COLUMNS.join(', ')}, $1 from register_staging
             on conflict (rsu_id) do update set ${set}, last_import_id = excluded.last_import_id, updated_at = now()
             where ${changed}
             returning (xmax = 0) as inserted
           )
           select count(*) filter (where inserted)::int as inserted, count(*) filter (where not inserted)::int as updated from up`,
          [importId],
        );
        inserted = counts!.inserted;
        updated = counts!.updated;
      }
      if (errors.length > 0) {
        await tx`insert into register_import_errors ${tx(errors.map((e) => ({ import_id: importId, row_number: e.rowNumber, field: e.field, reason: e.reason })))} on conflict do nothing`;
      }
      const rejectedRows = new Set(errors.map((e) => e.rowNumber)).size;
      const [row] = await tx<Totals[]>`
        update register_imports set
          rows_read = rows_read + ${read},
          rows_accepted = rows_accepted + ${read - rejectedRows},
          rows_rejected = rows_rejected + ${rejectedRows},
          rows_inserted = rows_inserted + ${inserted},
          rows_updated = rows_updated + ${updated},
          checkpoint = ${JSON.stringify(checkpoint)}::jsonb
        where id = ${importId}
        returning rows_read, rows_accepted, rows_rejected, bytes_total::float8 as bytes_total, (extract(epoch from started_at) * 1000)::float8 as started_ms`;
      return row!;
    });
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

      const known = new Set((await db.select({ code: communes.code }).from(communes)).map((c) => c.code));
      const checkpoint: ImportCheckpoint = job.checkpoint ?? { byteOffset: 0, rowNumber: 0, columns: null };
      let records = new Map<string, HouseholdRecord>();
      let errors: Array<RowError & { rowNumber: number }> = [];
      let read = 0;
      let lastBeat = 0;

      // One batch is written while the next is read and checked: parsing and the database overlap.
      let writing: Promise<void> = Promise.resolve();
      const flush = async () => {
        const batch = { records, errors, read, checkpoint: { ...checkpoint } };
        records = new Map();
        errors = [];
        read = 0;
        await writing;
        writing = commitBatch(importId, batch.records, batch.errors, batch.checkpoint, batch.read).then(async (totals) => {
          const now = Date.now();
          if (now - lastBeat < HEARTBEAT_MS) return;
          lastBeat = now;
          Context.current().heartbeat({ rowNumber: batch.checkpoint.rowNumber });
          await notifyProgress(totals, batch.checkpoint.byteOffset, 'running');
        });
        // Awaited by the next flush; this only keeps a failure from being reported as unhandled meanwhile.
        writing.catch(() => undefined);
      };

      const notifyProgress = async (
        totals: Totals,
        bytesRead: number,
        status: ImportProgress['status'],
      ) => {
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

      // A copy: the checkpoint moves as rows are read, where the reader must start from is fixed.
      for await (const row of readRows(job.filePath, job.format, { ...checkpoint }, (columns) => (checkpoint.columns = columns))) {
        read += 1;
        checkpoint.byteOffset = row.endOffset;
        checkpoint.rowNumber = row.rowNumber;
        if (!row.values) {
          errors.push({ rowNumber: row.rowNumber, field: 'row', reason: row.unreadable ?? 'unreadable' });
        } else {
          const result = validateRow(row.values, known);
          if (result.ok) records.set(result.record.rsuId, result.record);
          else for (const e of result.errors) errors.push({ rowNumber: row.rowNumber, ...e });
        }
        if (read >= BATCH_ROWS) await flush();
      }
      await flush();
      await writing;

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
