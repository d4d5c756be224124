import { NINA_PATTERN, RSU_ID_PATTERN, type HouseholdRecord } from '../../domain/register';
import { normalizePhone } from './mali-phone';

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
const SPACE = /\s/;
const SPACES = /\s/g;
const THIS_YEAR = new Date().getUTCFullYear();

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : v === null || v === undefined ? '' : String(v).trim());

/** Only a refused row allocates its list of reasons (this runs a million times per import). */
function refuse(errors: RowError[] | null, field: string, reason: string): RowError[] {
  const list = errors ?? [];
  list.push({ field, reason });
  return list;
}

/**
 * Checks one register row and turns it into a stored household, or lists every reason it is refused.
 * Written by hand rather than with a schema library: it runs a million times per import.
 */
export function validateRow(raw: Raw, communes: ReadonlySet<string>): RowResult {
  let errors: RowError[] | null = null;

  const rsuId = str(raw.rsu_id);
  if (!RSU_ID_PATTERN.test(rsuId)) errors = refuse(errors, 'rsu_id', rsuId ? `"${rsuId.slice(0, 40)}" is not an RSU id (RSU- and 8 to 12 digits)` : 'missing');

  const headName = str(raw.head_name);
  if (!headName) errors = refuse(errors, 'head_name', 'missing');
  else if (headName.length > 120 || CONTROL.test(headName)) errors = refuse(errors, 'head_name', 'longer than 120 characters or holds control characters');

  const sex = str(raw.sex).toUpperCase();
  if (sex !== 'F' && sex !== 'M') errors = refuse(errors, 'sex', sex ? `"${sex.slice(0, 10)}" is neither F nor M` : 'missing');

  const birthYear = integer(raw.birth_year);
  if (birthYear === null || birthYear < 1900 || birthYear > THIS_YEAR - 12) errors = refuse(errors, 'birth_year', `"${str(raw.birth_year).slice(0, 10)}" is not a birth year between 1900 and ${THIS_YEAR - 12}`);

  let nina = str(raw.nina);
  if (SPACE.test(nina)) nina = nina.replace(SPACES, '');
  nina = nina.toUpperCase();
  if (nina && !NINA_PATTERN.test(nina)) errors = refuse(errors, 'nina', 'not a NINA (14 digits and a letter)');

  const phoneRaw = str(raw.phone);
  let phone: string | null = null;
  if (phoneRaw) {
    phone = normalizePhone(phoneRaw);
    if (phone === null) errors = refuse(errors, 'phone', 'not a valid phone number in Mali');
  }

  const communeCode = str(raw.commune_code).toUpperCase();
  if (!communes.has(communeCode)) errors = refuse(errors, 'commune_code', communeCode ? `unknown commune "${communeCode.slice(0, 20)}"` : 'missing');

  const village = str(raw.village);
  if (!village) errors = refuse(errors, 'village', 'missing');
  else if (village.length > 120 || CONTROL.test(village)) errors = refuse(errors, 'village', 'longer than 120 characters or holds control characters');

  const householdSize = integer(raw.household_size);
  if (householdSize === null || householdSize < 1 || householdSize > 60) errors = refuse(errors, 'household_size', `"${str(raw.household_size).slice(0, 10)}" is not a size from 1 to 60`);

  const foodInsecure = flag(raw.food_insecure);
  if (foodInsecure === null) errors = refuse(errors, 'food_insecure', flagReason(raw.food_insecure));
  const covidCase = flag(raw.covid_case);
  if (covidCase === null) errors = refuse(errors, 'covid_case', flagReason(raw.covid_case));
  const covidHit = flag(raw.covid_hit);
  if (covidHit === null) errors = refuse(errors, 'covid_hit', flagReason(raw.covid_hit));

  const scoreRaw = str(raw.welfare_score);
  let welfareScore: number | null = null;
  if (scoreRaw) {
    welfareScore = Number(scoreRaw.replace(',', '.'));
    if (!Number.isFinite(welfareScore) || welfareScore < 0 || welfareScore > 100) errors = refuse(errors, 'welfare_score', `"${scoreRaw.slice(0, 10)}" is not a score from 0 to 100`);
  }

  if (errors !== null) return { ok: false, errors };
  return {
    ok: true,
    record: {
      rsuId,
      headName,
      sex: sex as 'F' | 'M',
      birthYear: birthYear!,
      nina: nina || null,
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

function flag(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  const s = str(value).toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return null;
}

function flagReason(value: unknown): string {
  const s = str(value).toLowerCase();
  return s ? `"${s.slice(0, 10)}" is not yes or no` : 'missing';
}
