import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { NINA_PATTERN, RSU_ID_PATTERN, type HouseholdRecord } from '../../domain/register';

export interface RowError {
  field: string;
  reason: string;
}

export type RowResult = { ok: true; record: HouseholdRecord } | { ok: false; errors: RowError[] };

type Raw = Record<string, unknown>;

const TRUE = new Set(['1', 'true', 'oui', 'yes', 'o', 'y']);
const FALSE = new Set(['0', 'false', 'non', 'no', 'n']);
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const CONTROL = /[\u0000-\u001F\u007F]/;
const THIS_YEAR = new Date().getUTCFullYear();

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v).trim());

/**
 * Checks one register row and turns it into a stored household, or lists every reason it is refused.
 * Written by hand rather than with a schema library: it runs a million times per import.
 */
export function validateRow(raw: Raw, communes: ReadonlySet<string>): RowResult {
  const errors: RowError[] = [];
  const fail = (field: string, reason: string) => errors.push({ field, reason });

  const rsuId = str(raw.rsu_id);
  if (!RSU_ID_PATTERN.test(rsuId)) fail('rsu_id', rsuId ? `"${rsuId.slice(0, 40)}" is not an RSU id (RSU- and 8 to 12 digits)` : 'missing');

  const headName = str(raw.head_name);
  if (!headName) fail('head_name', 'missing');
  else if (headName.length > 120 || CONTROL.test(headName)) fail('head_name', 'longer than 120 characters or holds control characters');

  const sex = str(raw.sex).toUpperCase();
  if (sex !== 'F' && sex !== 'M') fail('sex', sex ? `"${sex.slice(0, 10)}" is neither F nor M` : 'missing');

  const birthYear = integer(raw.birth_year);
  if (birthYear === null || birthYear < 1900 || birthYear > THIS_YEAR - 12) fail('birth_year', `"${str(raw.birth_year).slice(0, 10)}" is not a birth year between 1900 and ${THIS_YEAR - 12}`);

  const ninaRaw = str(raw.nina).replace(/\s/g, '').toUpperCase();
  if (ninaRaw && !NINA_PATTERN.test(ninaRaw)) fail('nina', 'not a NINA (14 digits and a letter)');

  const phoneRaw = str(raw.phone);
  let phone: string | null = null;
  if (phoneRaw) {
    const parsed = parsePhoneNumberFromString(phoneRaw, 'ML');
    if (parsed?.isValid()) phone = parsed.number;
    else fail('phone', 'not a valid phone number in Mali');
  }

  const communeCode = str(raw.commune_code).toUpperCase();
  if (!communes.has(communeCode)) fail('commune_code', communeCode ? `unknown commune "${communeCode.slice(0, 20)}"` : 'missing');

  const village = str(raw.village);
  if (!village) fail('village', 'missing');
  else if (village.length > 120 || CONTROL.test(village)) fail('village', 'longer than 120 characters or holds control characters');

  const householdSize = integer(raw.household_size);
  if (householdSize === null || householdSize < 1 || householdSize > 60) fail('household_size', `"${str(raw.household_size).slice(0, 10)}" is not a size from 1 to 60`);

  const foodInsecure = flag(raw.food_insecure, 'food_insecure', fail);
  const covidCase = flag(raw.covid_case, 'covid_case', fail);
  const covidHit = flag(raw.covid_hit, 'covid_hit', fail);

  const scoreRaw = str(raw.welfare_score);
  let welfareScore: number | null = null;
  if (scoreRaw) {
    welfareScore = Number(scoreRaw.replace(',', '.'));
    if (!Number.isFinite(welfareScore) || welfareScore < 0 || welfareScore > 100) fail('welfare_score', `"${scoreRaw.slice(0, 10)}" is not a score from 0 to 100`);
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    record: {
      rsuId,
      headName,
      sex: sex as 'F' | 'M',
      birthYear: birthYear!,
      nina: ninaRaw || null,
      phone,
      communeCode,
      village,
      householdSize: householdSize!,
      foodInsecure: foodInsecure!,
      covidCase: covidCase!,
      covidHit: covidHit!,
      welfareScore,
    },
  };
}

function integer(value: unknown): number | null {
  if (typeof value === 'number') return Number.isInteger(value) ? value : null;
  const s = str(value);
  return /^\d{1,6}$/.test(s) ? Number(s) : null;
}

function flag(value: unknown, field: string, fail: (field: string, reason: string) => void): boolean | null {
  if (typeof value === 'boolean') return value;
  const s = str(value).toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  fail(field, s ? `"${s.slice(0, 10)}" is not yes or no` : 'missing');
  return null;
}
