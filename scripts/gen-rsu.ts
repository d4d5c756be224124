// Writes a synthetic RSU register file (CSV or NDJSON), streamed, deterministic for a seed.
// Usage: npm run gen:rsu -- --households N [--out FILE] [--format csv|ndjson] [--seed S]
//        [--malformed 0.005] [--duplicates 0.01] [--update-of BASE_FILE] [--geography FILE]
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify';
import {
  REGISTER_COLUMNS,
  REGISTER_FORMATS,
  RSU_ID_PATTERN,
  RSU_REGIONS,
  type RegisterColumn,
  type RegisterFormat,
} from '../domain/register';
import {
  ARAB_FATHERS,
  NAMES_BY_ZONE,
  SECOND_MALE_NAMES,
  TAMASHEQ_FATHERS,
  TAMASHEQ_FEMALE,
  TAMASHEQ_MALE,
  ZONE_BY_REGION,
  type NameZone,
} from './rsu-names';
import { hashString, Rng } from './rsu-random';
import { communeVillages, pickVillage } from './rsu-villages';

export const DEFAULT_GEOGRAPHY_FILE = fileURLToPath(new URL('../db/seed/geography.csv', import.meta.url));

/** The one deliberate defect a malformed row carries. `missing_column` is written in CSV only. */
export const DEFECTS = [
  'rsu_id',
  'commune_code',
  'birth_year_format',
  'birth_year_range',
  'sex',
  'household_size_zero',
  'household_size_format',
  'nina',
  'phone',
  'flag',
  'welfare_score',
  'missing_column',
] as const;
export type Defect = (typeof DEFECTS)[number];

/** What a duplicate row re-uses from an earlier, clean row (with its own rsu_id). */
export const DUPLICATE_KINDS = ['nina', 'phone', 'identity'] as const;
export type DuplicateKind = (typeof DUPLICATE_KINDS)[number];

export interface GenerateOptions {
  households: number;
  /** Output file; standard output when absent. */
  out?: string;
  /** Default: from the file extension (.ndjson/.jsonl), else csv. */
  format?: RegisterFormat;
  seed?: string | number;
  /** Share of rows carrying one deliberate defect. */
  malformed?: number;
  /** Share of rows re-using the NINA, phone or name+birth year+commune of an earlier row. */
  duplicates?: number;
  /** Base file generated with the same seed (and the same --malformed/--duplicates): write an update file for it. */
  updateOf?: string;
  geographyFile?: string;
  log?: (line: string) => void;
  progressEvery?: number;
}

export interface GenerateSummary {
  out: string;
  format: RegisterFormat;
  seed: string;
  rows: number;
  /** The rsu_id of household index 0 for this seed (ids are sequential from there). */
  firstRsuId: string;
  malformed: Record<Defect, number>;
  malformedRows: number;
  duplicates: Record<DuplicateKind, number>;
  duplicateRows: number;
  /** Update files only: rows that change a household of the base file, and rows of new households. */
  update: { baseRows: number; modified: number; added: number } | null;
  seconds: number;
}

// ---------------------------------------------------------------- randomness

/** One independent random stream per (seed, row, purpose): any household can be regenerated on its own. */
function streamSeed(seed: number, index: number, stream: number): number {
  let h = seed ^ Math.imul(index, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
const STREAM_HOUSEHOLD = 0;
const STREAM_BASE_ROW = 1;
const STREAM_UPDATE_ROW = 2;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

// ---------------------------------------------------------------- geography

interface Commune {
  regionCode: string;
  cercle: string;
  code: string;
  name: string;
}

export interface Geography {
  communesByRegion: Map<string, Commune[]>;
  codes: Set<string>;
}

export function loadGeography(file = DEFAULT_GEOGRAPHY_FILE): Geography {
  const rows = parseCsv(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Array<
    Record<string, string | undefined>
  >;
  const communesByRegion = new Map<string, Commune[]>();
  const codes = new Set<string>();
  for (const row of rows) {
    const { region_code: regionCode, cercle, commune_code: code, commune_name: name } = row;
    if (!regionCode || !code || !name || cercle === undefined) throw new Error(`${file}: a row lacks region_code, cercle, commune_code or commune_name`);
    if (codes.has(code)) throw new Error(`${file}: commune_code ${code} appears twice`);
    codes.add(code);
    const list = communesByRegion.get(regionCode) ?? [];
    list.push({ regionCode, cercle, code, name });
    communesByRegion.set(regionCode, list);
  }
  for (const region of RSU_REGIONS) {
    if (!communesByRegion.get(region.code)?.length) throw new Error(`${file}: no commune for region ${region.code} (${region.name})`);
  }
  return { communesByRegion, codes };
}

// ---------------------------------------------------------------- households

interface Household {
  index: number;
  rsuId: string;
  headName: string;
  sex: 'F' | 'M';
  birthYear: number;
  nina: string | null;
  /** 8 national digits, or null. */
  phone: string | null;
  phoneStyle: number;
  regionCode: string;
  communeCode: string;
  village: string;
  householdSize: number;
  foodInsecure: boolean;
  covidCase: boolean;
  covidHit: boolean;
  /** Hundredths, so the file shows exactly two decimals. */
  welfareCents: number | null;
}

/** Mobile prefixes libphonenumber-js (max metadata) accepts as Malian mobiles; 80, 81, 86-88 are not. */
const MOBILE_PREFIXES = [
  ...Array.from({ length: 20 }, (_, i) => String(60 + i)),
  '82', '83', '84', '85', '89',
  ...Array.from({ length: 10 }, (_, i) => String(90 + i)),
];
const PHONE_SPACE = MOBILE_PREFIXES.length * 1_000_000;
const PHONE_MULTIPLIER = 7_654_321;
/** Phones given in update files live after this index, so they never collide with a first phone. */
const PHONE_CHANGE_OFFSET = 20_000_000;
if (gcd(PHONE_MULTIPLIER, PHONE_SPACE) !== 1) throw new Error('phone permutation is not a bijection');

const NINA_SPACE = 100_000_000_000_000n;
const NINA_MULTIPLIER = 48_271_862_347_713n; // odd and not a multiple of 5: a bijection modulo 10^14

/** Phone presentation styles and their shares: "76 54 48 21", "76544821", "+22376544821", "00223 76 54 48 21". */
const PHONE_STYLE_SHARES = [0.35, 0.3, 0.25, 0.1];

/** Household sizes 1..25, mostly 6-9. */
const SIZE_WEIGHTS = [1.5, 2.5, 4, 6, 8, 10, 11, 11, 10, 8.5, 7, 5.5, 4, 3, 2.5, 1.8, 1.3, 1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1];

function cumulative(weights: readonly number[]): Float64Array {
  const total = weights.reduce((s, w) => s + w, 0);
  const out = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, i) => (out[i] = acc += w / total));
  return out;
}
function pickCumulative(cum: Float64Array, u: number): number {
  for (let i = 0; i < cum.length; i++) if (u < (cum[i] as number)) return i;
  return cum.length - 1;
}

class RegisterModel {
  readonly seedHash: number;
  private readonly idOffset: number;
  private readonly phoneOffset: number;
  private readonly regionCum = cumulative(RSU_REGIONS.map((r) => r.households));
  private readonly sizeCum = cumulative(SIZE_WEIGHTS);
  private readonly styleCum = cumulative(PHONE_STYLE_SHARES);
  private readonly villages = new Map<string, string[]>();

  constructor(
    seed: string,
    readonly geography: Geography,
  ) {
    this.seedHash = hashString(seed);
    // Ten-digit ids whatever the seed: 1,000,000,000 + up to 7,999,990,000 + index.
    this.idOffset = 1_000_000_000 + (this.seedHash % 800_000) * 10_000;
    this.phoneOffset = this.seedHash % PHONE_SPACE;
  }

  rsuId(index: number): string {
    return `RSU-${this.idOffset + index}`;
  }

  nina(index: number): string {
    const n = ((BigInt(index) + BigInt(this.seedHash)) * NINA_MULTIPLIER) % NINA_SPACE;
    const digits = n.toString().padStart(14, '0');
    let check = 0;
    for (let i = 0; i < 14; i++) check = (check * 7 + digits.charCodeAt(i) - 48) % 26;
    return digits + String.fromCharCode(65 + check);
  }

  /** Unique per index: a bijection of the index onto the mobile number space. */
  phone(index: number): string {
    const p = ((index % PHONE_SPACE) * PHONE_MULTIPLIER + this.phoneOffset) % PHONE_SPACE;
    return MOBILE_PREFIXES[Math.floor(p / 1_000_000)] + String(p % 1_000_000).padStart(6, '0');
  }

  phoneStyle(rng: Rng): number {
    return pickCumulative(this.styleCum, rng.next());
  }

  household(index: number): Household {
    const rng = new Rng(streamSeed(this.seedHash, index, STREAM_HOUSEHOLD));
    const region = RSU_REGIONS[pickCumulative(this.regionCum, rng.next())]!;
    const commune = rng.pick(this.geography.communesByRegion.get(region.code)!);
    const zone = ZONE_BY_REGION[region.code] ?? 'bambara';
    const sex = rng.chance(0.3) ? 'F' : 'M';
    const headName = this.headName(zone, sex, rng);
    const birthYear = 1940 + Math.floor(((rng.next() + rng.next()) / 2) * 63);
    const nina = rng.chance(0.85) ? this.nina(index) : null;
    const phone = rng.chance(0.8) ? this.phone(index) : null;
    const phoneStyle = this.phoneStyle(rng);
    const village = this.village(commune, rng);
    const householdSize = 1 + pickCumulative(this.sizeCum, rng.next());
    const foodInsecure = rng.chance(0.7);
    const covidCase = rng.chance(0.02);
    const covidHit = rng.chance(0.4);
    // Lower scores for food-insecure households; a bell shape either way.
    const bell = (rng.next() + rng.next() + rng.next()) / 3;
    const welfare = foodInsecure ? bell * 70 : 30 + bell * 70;
    const welfareCents = rng.chance(0.1) ? null : Math.min(10_000, Math.max(0, Math.round(welfare * 100)));
    return {
      index,
      rsuId: this.rsuId(index),
      headName,
      sex,
      birthYear,
      nina,
      phone,
      phoneStyle,
      regionCode: region.code,
      communeCode: commune.code,
      village,
      householdSize,
      foodInsecure,
      covidCase,
      covidHit,
      welfareCents,
    };
  }

  private headName(zone: NameZone, sex: 'F' | 'M', rng: Rng): string {
    const names = NAMES_BY_ZONE[zone];
    const u = rng.next();
    if (u < names.tamasheq) {
      const first = rng.skewed(sex === 'F' ? TAMASHEQ_FEMALE : TAMASHEQ_MALE);
      return `${first} ${sex === 'F' ? 'Walet' : 'Ag'} ${rng.skewed(TAMASHEQ_FATHERS)}`;
    }
    if (u < names.tamasheq + names.arab) {
      const first = rng.skewed(sex === 'F' ? TAMASHEQ_FEMALE : TAMASHEQ_MALE);
      return `${first} ${sex === 'F' ? 'Mint' : 'Ould'} ${rng.skewed(ARAB_FATHERS)}`;
    }
    const first = rng.skewed(sex === 'F' ? names.female : names.male);
    const second = sex === 'M' && rng.chance(0.15) ? ` ${rng.pick(SECOND_MALE_NAMES)}` : '';
    return `${first}${second} ${rng.skewed(names.family)}`;
  }

  /** Each commune has its own fixed villages (independent of the seed); the first ones are the most populated. */
  private village(commune: Commune, rng: Rng): string {
    let list = this.villages.get(commune.code);
    if (!list) {
      list = communeVillages(commune.code, commune.regionCode);
      this.villages.set(commune.code, list);
    }
    return pickVillage(list, rng.next());
  }
}

// ---------------------------------------------------------------- rows

type Cell = string | number | boolean | null;
const COLUMN = Object.fromEntries(REGISTER_COLUMNS.map((c, i) => [c, i])) as Record<RegisterColumn, number>;
const FLAG_COLUMNS = ['food_insecure', 'covid_case', 'covid_hit'] as const;

function formatPhone(digits: string, style: number): string {
  const spaced = `${digits.slice(0, 2)} ${digits.slice(2, 4)} ${digits.slice(4, 6)} ${digits.slice(6)}`;
  switch (style) {
    case 0:
      return spaced;
    case 1:
      return digits;
    case 2:
      return `+223${digits}`;
    default:
      return `00223 ${spaced}`;
  }
}

/** CSV cells are all strings (empty for missing, true/false, welfare with two decimals); NDJSON keeps types. */
function render(h: Household, format: RegisterFormat): Cell[] {
  const csv = format === 'csv';
  const welfare =
    h.welfareCents === null ? null : csv ? `${Math.floor(h.welfareCents / 100)}.${String(h.welfareCents % 100).padStart(2, '0')}` : h.welfareCents / 100;
  const row: Cell[] = [
    h.rsuId,
    h.headName,
    h.sex,
    csv ? String(h.birthYear) : h.birthYear,
    h.nina,
    h.phone === null ? null : formatPhone(h.phone, h.phoneStyle),
    h.communeCode,
    h.village,
    csv ? String(h.householdSize) : h.householdSize,
    csv ? String(h.foodInsecure) : h.foodInsecure,
    csv ? String(h.covidCase) : h.covidCase,
    csv ? String(h.covidHit) : h.covidHit,
    welfare,
  ];
  if (csv) for (let i = 0; i < row.length; i++) if (row[i] === null) row[i] = '';
  return row;
}

function applyDefect(row: Cell[], defect: Defect, h: Household, model: RegisterModel, rng: Rng, format: RegisterFormat): void {
  const num = (n: number): Cell => (format === 'csv' ? String(n) : n);
  switch (defect) {
    case 'rsu_id': {
      const digits = h.rsuId.slice(4);
      // Too short, or a letter O typed for a zero.
      row[COLUMN.rsu_id] = rng.chance(0.5) ? `RSU-${digits.slice(-6)}` : `RSU-${digits.slice(0, 3)}O${digits.slice(4)}`;
      return;
    }
    case 'commune_code': {
      let code: string;
      do code = `${h.regionCode}-9${String(rng.int(100)).padStart(2, '0')}`;
      while (model.geography.codes.has(code));
      row[COLUMN.commune_code] = code;
      return;
    }
    case 'birth_year_format': {
      const year = String(h.birthYear);
      row[COLUMN.birth_year] = `${year.slice(0, 2)}x${year.slice(3)}`;
      return;
    }
    case 'birth_year_range':
      row[COLUMN.birth_year] = num(1850);
      return;
    case 'sex':
      row[COLUMN.sex] = 'X';
      return;
    case 'household_size_zero':
      row[COLUMN.household_size] = num(0);
      return;
    case 'household_size_format':
      row[COLUMN.household_size] = 'many';
      return;
    case 'nina': {
      const nina = h.nina ?? model.nina(h.index);
      row[COLUMN.nina] = nina.slice(0, 10) + nina.slice(14); // ten digits and the letter
      return;
    }
    case 'phone':
      row[COLUMN.phone] = '12';
      return;
    case 'flag':
      row[COLUMN[rng.pick(FLAG_COLUMNS)]] = 'maybe';
      return;
    case 'welfare_score':
      row[COLUMN.welfare_score] = num(140);
      return;
    case 'missing_column':
      row.splice(1 + rng.int(REGISTER_COLUMNS.length - 1), 1);
      return;
  }
}

/** Copies what makes this row a duplicate of `source` onto `h`; the rsu_id stays h's own. */
function makeDuplicate(h: Household, source: Household, kind: DuplicateKind): Household {
  switch (kind) {
    case 'nina':
      return { ...h, nina: source.nina };
    case 'phone':
      return { ...h, phone: source.phone };
    case 'identity':
      return {
        ...h,
        headName: source.headName,
        sex: source.sex,
        birthYear: source.birthYear,
        regionCode: source.regionCode,
        communeCode: source.communeCode,
        village: source.village,
      };
  }
}

/** A field collection's change to a household: a new phone, a new size and/or changed criteria. */
function modifyHousehold(h: Household, model: RegisterModel, rng: Rng): Household {
  const m = { ...h };
  const changePhone = rng.chance(0.5);
  const changeFlags = rng.chance(0.5);
  const changeSize = rng.chance(0.5) || (!changePhone && !changeFlags);
  if (changePhone) {
    m.phone = model.phone(h.index + PHONE_CHANGE_OFFSET);
    m.phoneStyle = model.phoneStyle(rng);
  }
  if (changeSize) {
    const delta = (1 + rng.int(3)) * (rng.chance(0.6) ? 1 : -1);
    m.householdSize = Math.min(25, Math.max(1, h.householdSize + delta));
    if (m.householdSize === h.householdSize) m.householdSize = h.householdSize === 25 ? 24 : h.householdSize + 1;
  }
  if (changeFlags) {
    const flag = rng.int(3);
    if (flag === 0) m.foodInsecure = !h.foodInsecure;
    else if (flag === 1) m.covidCase = !h.covidCase;
    else m.covidHit = !h.covidHit;
  }
  return m;
}

// ---------------------------------------------------------------- the base file of an update

function detectFormat(file: string): RegisterFormat {
  return /\.(nd)?jsonl?$/i.test(file) ? 'ndjson' : 'csv';
}

/** Counts the data rows of a base file without loading it, and checks its first ids belong to this seed. */
async function readBase(file: string, model: RegisterModel): Promise<number> {
  let newlines = 0;
  let lastByte = 10;
  let head = '';
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    if (head.length < 65_536) head += chunk.toString('utf8', 0, Math.min(chunk.length, 65_536));
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
    if (chunk.length) lastByte = chunk[chunk.length - 1]!;
  }
  const lines = newlines + (lastByte === 10 ? 0 : 1);
  const isCsv = !head.trimStart().startsWith('{');
  const dataLines = head.split('\n').slice(isCsv ? 1 : 0, isCsv ? 51 : 50);
  dataLines.pop(); // may be cut in the middle
  let checked = 0;
  dataLines.forEach((line, index) => {
    let id: unknown;
    try {
      id = isCsv ? line.split(',')[0] : (JSON.parse(line) as Record<string, unknown>).rsu_id;
    } catch {
      return;
    }
    if (typeof id !== 'string' || !RSU_ID_PATTERN.test(id)) return;
    checked++;
    if (id !== model.rsuId(index)) throw new Error(`${file} was not generated with this --seed (row ${index + 1} has ${id}, expected ${model.rsuId(index)})`);
  });
  if (!checked && lines > 1) throw new Error(`${file}: no rsu_id found in its first rows`);
  return lines - (isCsv ? 1 : 0);
}

/** A permutation of 0..n-1 that needs no memory: k -> (k*a + b) mod n with gcd(a, n) = 1. */
function permutation(n: number, seed: number): (k: number) => number {
  let a = Math.max(1, Math.floor(n * 0.6180339887)) | 1;
  while (gcd(a, n) !== 1) a += 2;
  const b = seed % Math.max(1, n);
  return (k) => (((k % n) * a) % n + b) % n;
}

// ---------------------------------------------------------------- generation

export async function generateRegister(options: GenerateOptions): Promise<GenerateSummary> {
  const started = performance.now();
  const households = options.households;
  if (!Number.isInteger(households) || households < 0) throw new Error('--households must be a whole number ≥ 0');
  const format = options.format ?? (options.out ? detectFormat(options.out) : 'csv');
  const seed = String(options.seed ?? 1);
  const malformedRate = options.malformed ?? 0.005;
  const duplicateRate = options.duplicates ?? 0.01;
  for (const [name, rate] of [['--malformed', malformedRate], ['--duplicates', duplicateRate]] as const) {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`${name} must be a share between 0 and 1`);
  }
  if (malformedRate + duplicateRate > 1) throw new Error('--malformed + --duplicates must not exceed 1');
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const progressEvery = options.progressEvery ?? 100_000;
  const model = new RegisterModel(seed, loadGeography(options.geographyFile));
  const defects = DEFECTS.filter((d) => format === 'csv' || d !== 'missing_column');

  const malformed = Object.fromEntries(DEFECTS.map((d) => [d, 0])) as Record<Defect, number>;
  const duplicates = Object.fromEntries(DUPLICATE_KINDS.map((d) => [d, 0])) as Record<DuplicateKind, number>;
  let malformedRows = 0;
  let duplicateRows = 0;

  // A base row is clean when it is neither malformed nor a duplicate; only clean rows serve as sources.
  const isCleanBaseRow = (k: number) => new Rng(streamSeed(model.seedHash, k, STREAM_BASE_ROW)).next() >= malformedRate + duplicateRate;

  const duplicateOf = (h: Household, rng: Rng, sourceLimit: number): Household | null => {
    const kind = rng.pick(DUPLICATE_KINDS);
    for (let tries = 0; tries < 20 && sourceLimit > 0; tries++) {
      const k = rng.int(sourceLimit);
      if (!isCleanBaseRow(k)) continue;
      const source = model.household(k);
      if ((kind === 'nina' && !source.nina) || (kind === 'phone' && !source.phone)) continue;
      duplicates[kind]++;
      duplicateRows++;
      return makeDuplicate(h, source, kind);
    }
    return null;
  };

  const finish = (h: Household, rng: Rng, u: number, duplicateSourceLimit: number): Cell[] => {
    if (u < malformedRate) {
      const row = render(h, format);
      const defect = rng.pick(defects);
      applyDefect(row, defect, h, model, rng, format);
      malformed[defect]++;
      malformedRows++;
      return row;
    }
    if (u < malformedRate + duplicateRate && duplicateSourceLimit > 0) {
      return render(duplicateOf(h, rng, duplicateSourceLimit) ?? h, format);
    }
    return render(h, format);
  };

  let makeRow: (row: number) => Cell[];
  let update: GenerateSummary['update'] = null;
  if (options.updateOf) {
    const baseRows = await readBase(options.updateOf, model);
    const pick = permutation(baseRows, model.seedHash);
    let cursor = 0;
    const nextBaseIndex = (): number | null => {
      while (cursor < baseRows) {
        const j = pick(cursor++);
        if (isCleanBaseRow(j)) return j;
      }
      return null;
    };
    const u = (update = { baseRows, modified: 0, added: 0 });
    makeRow = (r) => {
      const rng = new Rng(streamSeed(model.seedHash, r, STREAM_UPDATE_ROW));
      const j = rng.chance(0.6) ? nextBaseIndex() : null;
      if (j !== null) {
        u.modified++;
        return finish(modifyHousehold(model.household(j), model, rng), rng, rng.next(), 0);
      }
      const h = model.household(baseRows + u.added++);
      return finish(h, rng, rng.next(), baseRows);
    };
  } else {
    makeRow = (i) => {
      const rng = new Rng(streamSeed(model.seedHash, i, STREAM_BASE_ROW));
      const decision = rng.next();
      return finish(model.household(i), rng, decision, i);
    };
  }

  let produced = 0;
  const progress = () => {
    const seconds = (performance.now() - started) / 1000;
    const rate = produced / Math.max(seconds, 1e-9);
    const eta = (households - produced) / Math.max(rate, 1e-9);
    log(
      `[gen-rsu] ${produced.toLocaleString('en')}/${households.toLocaleString('en')} rows (${Math.round((produced / households) * 100)}%) · ${Math.round(rate).toLocaleString('en')} rows/s · ETA ${eta.toFixed(1)}s`,
    );
  };
  const nextRow = (): Cell[] => {
    const row = makeRow(produced++);
    if (produced % progressEvery === 0 && produced < households) progress();
    return row;
  };

  // Rows are made only when the stream asks for them: memory stays flat whatever the size.
  let source: Readable;
  if (format === 'csv') {
    let headerSent = false;
    source = new Readable({
      objectMode: true,
      highWaterMark: 256,
      read() {
        if (!headerSent) {
          headerSent = true;
          if (!this.push([...REGISTER_COLUMNS])) return;
        }
        while (produced < households) if (!this.push(nextRow())) return;
        this.push(null);
      },
    });
  } else {
    source = new Readable({
      highWaterMark: 256 * 1024,
      read() {
        while (produced < households) {
          let chunk = '';
          for (let n = 0; n < 256 && produced < households; n++) {
            const row = nextRow();
            const record: Record<string, Cell> = {};
            REGISTER_COLUMNS.forEach((column, i) => (record[column] = row[i] ?? null));
            chunk += `${JSON.stringify(record)}\n`;
          }
          if (!this.push(chunk)) return;
        }
        this.push(null);
      },
    });
  }
  const destination: Writable = options.out ? createWriteStream(options.out) : process.stdout;
  if (format === 'csv') await pipeline(source, stringify(), destination);
  else await pipeline(source, destination);

  const seconds = (performance.now() - started) / 1000;
  const summary: GenerateSummary = {
    out: options.out ?? '-',
    format,
    seed,
    rows: households,
    firstRsuId: model.rsuId(0),
    malformed,
    malformedRows,
    duplicates,
    duplicateRows,
    update,
    seconds: Math.round(seconds * 100) / 100,
  };
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  log(
    `[gen-rsu] wrote ${households.toLocaleString('en')} rows to ${summary.out} (${format}, seed ${seed}) in ${seconds.toFixed(1)}s, ${Math.round(households / Math.max(seconds, 1e-9)).toLocaleString('en')} rows/s`,
  );
  if (update) log(`[gen-rsu] update of ${options.updateOf} (${update.baseRows} rows): ${update.modified} modified households, ${update.added} new households`);
  log(`[gen-rsu] malformed rows: ${malformedRows} (${list(malformed)})`);
  log(`[gen-rsu] duplicate rows: ${duplicateRows} (${list(duplicates)})`);
  log(`[gen-rsu] summary ${JSON.stringify(summary)}`);
  return summary;
}

// ---------------------------------------------------------------- command line

export function parseCommandLine(argv: string[]): GenerateOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      households: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      seed: { type: 'string' },
      malformed: { type: 'string' },
      duplicates: { type: 'string' },
      'update-of': { type: 'string' },
      geography: { type: 'string' },
    },
    strict: true,
  });
  const share = (text: string | undefined, name: string) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
    return n;
  };
  const households = Number(values.households);
  if (values.households === undefined || !Number.isInteger(households) || households < 0) {
    throw new Error('usage: gen-rsu --households N [--out FILE] [--format csv|ndjson] [--seed S] [--malformed 0.005] [--duplicates 0.01] [--update-of FILE] [--geography FILE]');
  }
  if (values.format !== undefined && !(REGISTER_FORMATS as readonly string[]).includes(values.format)) {
    throw new Error(`--format must be one of ${REGISTER_FORMATS.join(', ')}`);
  }
  return {
    households,
    out: values.out,
    format: values.format as RegisterFormat | undefined,
    seed: values.seed,
    malformed: share(values.malformed, '--malformed'),
    duplicates: share(values.duplicates, '--duplicates'),
    updateOf: values['update-of'],
    geographyFile: values.geography,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  Promise.resolve()
    .then(() => generateRegister(parseCommandLine(process.argv.slice(2))))
    .catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return; // the reader stopped early (| head)
      process.stderr.write(`[gen-rsu] ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
