// Runs in a worker thread: reads and checks register rows while the activity's thread writes batches.
import { parentPort, workerData } from 'node:worker_threads';
import type { ImportCheckpoint } from '../../db/schema';
import type { HouseholdRecord, RegisterFormat } from '../../domain/register';
import { readRows, RegisterFileError } from './read-rows';
import { validateRow, type RowError } from './validate-row';

export interface ParseJob {
  importId: string;
  path: string;
  format: RegisterFormat;
  from: ImportCheckpoint;
  communes: string[];
  batchRows: number;
  /** Batches that may be sent before the first `next`: the activity writes some while one more waits. */
  ahead: number;
}

/** One batch, ready to write: COPY text of the accepted rows, the refused ones, where the next batch starts. */
export interface ParsedBatch {
  copyText: string;
  accepted: number;
  errors: Array<RowError & { rowNumber: number }>;
  read: number;
  checkpoint: ImportCheckpoint;
}

export type FromParser =
  | { type: 'batch'; batch: ParsedBatch }
  | { type: 'done' }
  /** `unreadable`: the file itself is broken (an unclosed quote, a line without end); reading it again cannot help. */
  | { type: 'error'; message: string; unreadable?: boolean };
/** The activity asks for one more batch each time one commits. */
export type ToParser = { type: 'next' };

/** COPY's text format: tab-separated, \N for null, backslash escaped (validation refused control characters), then the import's id. */
export function copyLine(r: HouseholdRecord, importId: string): string {
  // One join, not a template: a template's pieces stay a rope of small strings until the batch is joined.
  return [
    r.rsuId,
    copyText(r.headName),
    r.sex,
    r.birthYear,
    r.nina === null ? '\\N' : copyText(r.nina),
    r.phone === null ? '\\N' : copyText(r.phone),
    r.communeCode,
    copyText(r.village),
    r.householdSize,
    r.foodInsecure ? 't' : 'f',
    r.covidCase ? 't' : 'f',
    r.covidHit ? 't' : 'f',
    r.welfareScore === null ? '\\N' : r.welfareScore,
    importId,
  ].join('\t');
}

const copyText = (v: string) => (v.includes('\\') ? v.replaceAll('\\', '\\\\') : v);

async function run(job: ParseJob) {
  const port = parentPort!;
  let credits = job.ahead;
  let wake: (() => void) | null = null;
  port.on('message', (m: ToParser) => {
    if (m.type === 'next') {
      credits += 1;
      wake?.();
      wake = null;
    }
  });
  const known = new Set(job.communes);
  const checkpoint: ImportCheckpoint = { ...job.from };
  let lines = new Map<string, string>();
  let errors: ParsedBatch['errors'] = [];
  let read = 0;

  const send = async () => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits -= 1;
    const batch: ParsedBatch = { copyText: lines.size ? [...lines.values()].join('\n') + '\n' : '', accepted: lines.size, errors, read, checkpoint: { ...checkpoint } };
    port.postMessage({ type: 'batch', batch } satisfies FromParser);
    lines = new Map();
    errors = [];
    read = 0;
  };

  for await (const rows of readRows(job.path, job.format, { ...job.from }, (columns) => (checkpoint.columns = columns))) {
    for (const row of rows) {
      read += 1;
      checkpoint.byteOffset = row.endOffset;
      checkpoint.rowNumber = row.rowNumber;
      if (!row.values) {
        errors.push({ rowNumber: row.rowNumber, field: 'row', reason: row.unreadable ?? 'unreadable' });
      } else {
        const result = validateRow(row.values, known);
        // The last row of a batch with the same RSU id wins: one upsert cannot touch a row twice.
        if (result.ok) lines.set(result.record.rsuId, copyLine(result.record, job.importId));
        else for (const e of result.errors) errors.push({ rowNumber: row.rowNumber, ...e });
      }
      if (read >= job.batchRows) await send();
    }
  }
  await send();
  port.postMessage({ type: 'done' } satisfies FromParser);
}

if (parentPort && workerData) {
  run(workerData as ParseJob).catch((err: unknown) =>
    parentPort!.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err), unreadable: err instanceof RegisterFileError } satisfies FromParser),
  );
}
