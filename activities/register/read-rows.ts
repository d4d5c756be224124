import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import type { RegisterFormat } from '../../domain/register';

export interface SourceRow {
  /** 1-based, counting data rows only (the CSV header is not a row). */
  rowNumber: number;
  /** Byte offset just after this row: where a resumed read starts. */
  endOffset: number;
  values: Record<string, unknown> | null;
  /** Set when the line could not be read as a row at all. */
  unreadable?: string;
}

export interface ReadFrom {
  byteOffset: number;
  rowNumber: number;
  columns: string[] | null;
}

/** Streams the rows of a register file from a byte offset, never holding the file in memory. */
export async function* readRows(path: string, format: RegisterFormat, from: ReadFrom, onColumns: (columns: string[]) => void): AsyncGenerator<SourceRow> {
  const stream = createReadStream(path, { start: from.byteOffset, highWaterMark: 1 << 20 });
  if (format === 'ndjson') {
    let offset = from.byteOffset;
    let rowNumber = from.rowNumber;
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
      offset += Buffer.byteLength(line) + 1;
      if (line.trim() === '') continue;
      rowNumber += 1;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
        yield { rowNumber, endOffset: offset, values: value as Record<string, unknown> };
      } catch {
        yield { rowNumber, endOffset: offset, values: null, unreadable: 'not a JSON object' };
      }
    }
    return;
  }

  let rowNumber = from.rowNumber;
  const parser = stream.pipe(
    parse({
      bom: true,
      columns:
        from.columns ??
        ((header: string[]) => {
          const columns = header.map((h) => h.trim().toLowerCase());
          onColumns(columns);
          return columns;
        }),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      trim: true,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { bytes: number } }>) {
    rowNumber += 1;
    yield { rowNumber, endOffset: from.byteOffset + info.bytes, values: record };
  }
}
