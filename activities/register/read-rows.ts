import { createReadStream } from 'node:fs';
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

/** Thrown when the file cannot be read as rows at all (broken CSV quoting, a line of megabytes). */
export class RegisterFileError extends Error {}

const NEWLINE = 0x0a;
/** A household's line is well under 1 KB: a file without line breaks must not be held whole in memory. */
const MAX_LINE_BYTES = 1 << 20;
const QUOTE = 34;
const COMMA = 44;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Whole lines of the file: their bytes and the file offset of the first one. */
interface Chunk {
  bytes: Buffer;
  offset: number;
}

/** One line without its line break (a \r before it stays), and the byte offset just after it. */
interface Line {
  text: string;
  endOffset: number;
}

/** The file from a byte offset, cut after its last line break so no line is split between chunks. */
async function* chunksOf(path: string, byteOffset: number, chunkBytes: number): AsyncGenerator<Chunk> {
  const stream = createReadStream(path, { start: byteOffset, highWaterMark: chunkBytes });
  let rest: Buffer | null = null;
  let restOffset = byteOffset;
  for await (const read of stream as AsyncIterable<Buffer>) {
    let bytes: Buffer = rest ? Buffer.concat([rest, read]) : read;
    let offset = restOffset;
    if (offset === 0 && bytes.length >= 3 && bytes.subarray(0, 3).equals(BOM)) {
      bytes = bytes.subarray(3);
      offset = 3;
    }
    const end = bytes.lastIndexOf(NEWLINE) + 1;
    if (end === 0 && bytes.length > MAX_LINE_BYTES) throw new RegisterFileError(`a line is longer than ${MAX_LINE_BYTES} bytes`);
    rest = end < bytes.length ? bytes.subarray(end) : null;
    restOffset = offset + end;
    if (end > 0) yield { bytes: bytes.subarray(0, end), offset };
  }
  if (rest) yield { bytes: rest, offset: restOffset };
}

/**
 * A chunk's lines, decoded one at a time as they are asked for: line breaks are found in the bytes,
 * so every offset is exact whatever the characters, and each line's objects die young.
 */
function* linesIn({ bytes, offset }: Chunk): Generator<Line> {
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(NEWLINE, start);
    const end = nl === -1 ? bytes.length : nl;
    yield { text: bytes.toString('utf8', start, end), endOffset: offset + (nl === -1 ? end : nl + 1) };
    start = end + 1;
  }
}


/**
 * Splits one CSV record into trimmed fields: RFC 4180 quoting, and a quote inside an unquoted field is
 * kept as text. Returns null when a quoted field is still open at the end (the record goes on past
 * the line break).
 */
export function splitCsvRecord(text: string): string[] | null {
  if (text.indexOf('"') === -1) {
    const fields = text.split(',');
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i]!.trim();
    return fields;
  }
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) return null;
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          from = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (i < text.length && isBlank(text.charCodeAt(i))) i++;
      if (i < text.length && text.charCodeAt(i) !== COMMA) throw new RegisterFileError('text after a closing quote');
      fields.push(value);
    } else {
      const comma = text.indexOf(',', i);
      fields.push(text.slice(i, comma === -1 ? text.length : comma).trim());
      i = comma === -1 ? text.length : comma;
    }
    if (i >= text.length) return fields;
    i++; // the comma
  }
}

/** A household record is well under 1 KB: an unclosed quote must not hold the rest of the file in memory. */
const MAX_RECORD_CHARS = 64 * 1024;

const isBlank = (c: number) => c === 32 || c === 9;

/**
 * Streams the rows of a register file from a byte offset, never holding the file in memory: one
 * iterable of rows per chunk read (about 1 MB), so a caller awaits once per chunk, not per row. Rows
 * are read as the iterable is walked: walk each one to its end before asking for the next.
 */
export async function* readRows(
  path: string,
  format: RegisterFormat,
  from: ReadFrom,
  onColumns: (columns: string[]) => void,
  chunkBytes = 1 << 20,
): AsyncGenerator<Iterable<SourceRow>> {
  let rowNumber = from.rowNumber;
  let columns = from.columns;
  // A quoted field may hold line breaks: its record's lines are joined until the quote closes.
  let pending: string | null = null;

  function* ndjsonRows(chunk: Chunk): Generator<SourceRow> {
    for (const { text, endOffset } of linesIn(chunk)) {
      if (text.trim() === '') continue;
      rowNumber += 1;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = null;
      }
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) yield { rowNumber, endOffset, values: value as Record<string, unknown> };
      else yield { rowNumber, endOffset, values: null, unreadable: 'not a JSON object' };
    }
  }

  function* csvRows(chunk: Chunk): Generator<SourceRow> {
    for (const line of linesIn(chunk)) {
      const raw: string = pending === null ? line.text : `${pending}\n${line.text}`;
      const fields = splitCsvRecord(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
      if (fields === null) {
        if (raw.length > MAX_RECORD_CHARS) throw new RegisterFileError(`a quoted field runs over more than ${MAX_RECORD_CHARS} characters: a quote is not closed`);
        pending = raw;
        continue;
      }
      pending = null;
      if (fields.length === 1 && fields[0] === '') continue;
      if (columns === null) {
        columns = fields.map((h) => h.toLowerCase());
        onColumns(columns);
        continue;
      }
      rowNumber += 1;
      // Missing cells stay missing (the row is then refused field by field); extra cells are ignored.
      const values: Record<string, string> = {};
      const n = Math.min(columns.length, fields.length);
      for (let c = 0; c < n; c++) values[columns[c]!] = fields[c]!;
      yield { rowNumber, endOffset: line.endOffset, values };
    }
  }

  for await (const chunk of chunksOf(path, from.byteOffset, chunkBytes)) yield format === 'ndjson' ? ndjsonRows(chunk) : csvRows(chunk);
  if (pending !== null) throw new RegisterFileError('a quoted field is not closed at the end of the file');
}
