import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegisterFileError, readRows, type ReadFrom, type SourceRow } from '../../activities/register/read-rows';
import type { RegisterFormat } from '../../domain/register';
import { generateRegister } from '../../scripts/gen-rsu';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'jigi-read-rows-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function rowsOf(path: string, format: RegisterFormat, from: ReadFrom = { byteOffset: 0, rowNumber: 0, columns: null }, chunkBytes?: number) {
  const rows: SourceRow[] = [];
  let columns: string[] | null = from.columns;
  for await (const chunk of readRows(path, format, from, (c) => (columns = c), chunkBytes)) rows.push(...chunk);
  return { rows, columns: columns as string[] | null };
}

/** What csv-parse, the import's reader before this one, made of the same bytes. */
function csvParseRows(bytes: Buffer): SourceRow[] {
  const records = parse(bytes, {
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    relax_quotes: true,
    trim: true,
  }) as Array<{ record: Record<string, string>; info: { bytes: number } }>;
  return records.map(({ record, info }, i) => ({ rowNumber: i + 1, endOffset: info.bytes, values: record }));
}

async function file(name: string, text: string | Buffer) {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const EDGES = [
  '\ufeffRSU_ID , Head_Name,sex,village\n',
  'RSU-0000000001,Awa Traoré,F,Ségou\n',
  '\n',
  '   \n',
  'RSU-0000000002,"Diarra, Moussa",M,"Kati ""Koko"""\n',
  'RSU-0000000003,"Sidibé\nFatoumata",F,Kita\n',
  'RSU-0000000004,  spaced  ,\tM\t,"  quoted  "\n',
  'RSU-0000000005,short\n',
  'RSU-0000000006,long,F,Bla,extra,cells\n',
  'RSU-0000000007,Ou"mar,M,Mop"ti\n',
  'RSU-0000000008,,,\n',
  'RSU-0000000009,Ἀθηνᾶ 🙂,F,Tombouctou',
].join('');

describe('readRows (CSV)', () => {
  it('reads a generated register, malformed rows included, exactly as csv-parse did: values, row numbers, byte offsets', async () => {
    const path = join(dir, 'rsu.csv');
    await generateRegister({ households: 3_000, out: path, seed: 'read-rows', malformed: 0.05, duplicates: 0.03, log: () => {} });
    const expected = csvParseRows(await readFile(path));
    const { rows, columns } = await rowsOf(path, 'csv');
    expect(rows).toEqual(expected);
    expect(columns).toEqual(Object.keys(expected[0]!.values!));
    // Reads cut rows, and multibyte characters, across chunk boundaries.
    expect((await rowsOf(path, 'csv', undefined, 4_099)).rows).toEqual(expected);
  });

  it.each([
    ['LF', EDGES],
    ['CRLF', EDGES.replaceAll('\n', '\r\n')],
  ])('agrees with csv-parse on quotes, line breaks in quotes, a BOM, blank lines, short and long rows and multibyte text (%s)', async (name, text) => {
    const path = await file(`edges-${name}.csv`, text);
    const { rows, columns } = await rowsOf(path, 'csv');
    expect(columns).toEqual(['rsu_id', 'head_name', 'sex', 'village']);
    expect(rows).toEqual(csvParseRows(Buffer.from(text)));
    expect(rows).toHaveLength(9);
    expect(rows[2]!.values!.head_name).toMatch(/^Sidibé\r?\nFatoumata$/);
    for (const chunkBytes of [1, 2, 3, 7]) expect((await rowsOf(path, 'csv', undefined, chunkBytes)).rows).toEqual(rows);
  });

  it('resumes from any row’s checkpoint with the rows that follow it, numbered the same', async () => {
    const path = await file('resume.csv', EDGES.replaceAll('\n', '\r\n'));
    const { rows: all, columns } = await rowsOf(path, 'csv');
    for (const [i, row] of all.entries()) {
      const { rows } = await rowsOf(path, 'csv', { byteOffset: row.endOffset, rowNumber: row.rowNumber, columns });
      expect(rows).toEqual(all.slice(i + 1));
    }
  });

  it('refuses a file whose quotes cannot be read, as csv-parse did, and never holds a whole line of megabytes', async () => {
    const bad = 'rsu_id,head_name\nRSU-0000000001,"Awa"Traoré\n';
    expect(() => csvParseRows(Buffer.from(bad))).toThrow();
    await expect(rowsOf(await file('bad.csv', bad), 'csv')).rejects.toBeInstanceOf(RegisterFileError);
    await expect(rowsOf(await file('open.csv', 'rsu_id,head_name\nRSU-0000000001,"Awa\n'), 'csv')).rejects.toBeInstanceOf(RegisterFileError);
    const unclosed = `rsu_id,head_name\nRSU-0000000001,"Awa\n${'RSU-0000000002,Moussa\n'.repeat(10_000)}`;
    await expect(rowsOf(await file('unclosed.csv', unclosed), 'csv')).rejects.toThrow(/more than 65536 characters/);
    await expect(rowsOf(await file('one-line.ndjson', '{"rsu_id":"'.padEnd(3 << 20, '9')), 'ndjson', undefined, 1 << 16)).rejects.toThrow(/longer than/);
  });
});

describe('readRows (NDJSON)', () => {
  it('numbers objects, refuses other lines, skips blank ones and keeps exact byte offsets with CRLF and multibyte text', async () => {
    const lines = ['{"rsu_id":"RSU-0000000001","head_name":"Awa Traoré"}', '', 'not json', '[1,2]', '{"rsu_id":"RSU-0000000002","village":"Ségou 🙂"}'];
    const text = lines.join('\r\n') + '\r\n';
    const path = await file('rsu.ndjson', text);
    const { rows } = await rowsOf(path, 'ndjson');
    expect(rows.map((r) => [r.rowNumber, r.values === null ? r.unreadable : r.values.rsu_id])).toEqual([
      [1, 'RSU-0000000001'],
      [2, 'not a JSON object'],
      [3, 'not a JSON object'],
      [4, 'RSU-0000000002'],
    ]);
    const bytes = Buffer.from(text);
    for (const row of rows) expect(bytes[row.endOffset - 1]).toBe(0x0a);
    expect(rows.at(-1)!.endOffset).toBe(bytes.length);
    const resumed = await rowsOf(path, 'ndjson', { byteOffset: rows[1]!.endOffset, rowNumber: 2, columns: null });
    expect(resumed.rows).toEqual(rows.slice(2));
  });
});
