// The Unified Social Register (RSU): what one household record holds, and the file formats it comes in.

/** Columns of a register file, in this order for CSV (with a header line); the same keys in NDJSON. */
export const REGISTER_COLUMNS = [
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
export type RegisterColumn = (typeof REGISTER_COLUMNS)[number];

/** RSU ids: "RSU-" then 8 to 12 digits. */
export const RSU_ID_PATTERN = /^RSU-\d{8,12}$/;
/** NINA (national identification number), as the program's files write it: 14 digits and a check letter. */
export const NINA_PATTERN = /^\d{14}[A-Z]$/;
export const SEXES = ['F', 'M'] as const;

export const REGISTER_FORMATS = ['csv', 'ndjson'] as const;
export type RegisterFormat = (typeof REGISTER_FORMATS)[number];

/** A first file of the register, or the field collection's changes to it. */
export const IMPORT_KINDS = ['initial', 'update'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** A household as it is stored: phone in international form, flags as booleans. */
export interface HouseholdRecord {
  rsuId: string;
  headName: string;
  sex: (typeof SEXES)[number];
  birthYear: number;
  nina: string | null;
  phone: string | null;
  communeCode: string;
  village: string;
  householdSize: number;
  foodInsecure: boolean;
  covidCase: boolean;
  covidHit: boolean;
  welfareScore: number | null;
}

/** RSU households by region on 15 April 2020 (DOMAIN.md), and their commune counts. */
export const RSU_REGIONS = [
  { code: 'KAY', name: 'Kayes', households: 31_530, communes: 115 },
  { code: 'KOU', name: 'Koulikoro', households: 44_237, communes: 106 },
  { code: 'SIK', name: 'Sikasso', households: 93_928, communes: 126 },
  { code: 'SEG', name: 'Ségou', households: 49_801, communes: 108 },
  { code: 'MOP', name: 'Mopti', households: 66_069, communes: 84 },
  { code: 'TOM', name: 'Tombouctou', households: 15_392, communes: 45 },
  { code: 'GAO', name: 'Gao', households: 18_646, communes: 23 },
  { code: 'KID', name: 'Kidal', households: 1_764, communes: 6 },
] as const;
