// Possible duplicates in the register: two households that may be one, queued for a reviewer.
import type { HouseholdRecord } from './register';

/** Why two households were paired: same NINA, same phone (E.164), or same name and birth year in one commune. */
export const DUPLICATE_REASONS = ['nina', 'phone', 'name-birth-commune'] as const;
export type DuplicateReason = (typeof DUPLICATE_REASONS)[number];

/** A pair waits (open) until a reviewer keeps one record, merges them, or says they are two households. */
export const DUPLICATE_STATUSES = ['open', 'kept', 'merged', 'distinct'] as const;
export type DuplicateStatus = (typeof DUPLICATE_STATUSES)[number];

export const DUPLICATE_DECISIONS = ['keep', 'merge', 'distinct'] as const;
export type DuplicateDecision = (typeof DUPLICATE_DECISIONS)[number];

export const STATUS_AFTER: Record<DuplicateDecision, Exclude<DuplicateStatus, 'open'>> = { keep: 'kept', merge: 'merged', distinct: 'distinct' };

/** What a merge may take from the superseded record into the one that stays: everything but the RSU id. */
export const MERGEABLE_FIELDS = [
  'headName',
  'sex',
  'birthYear',
  'nina',
  'phone',
  'communeCode',
  'village',
  'householdSize',
  'foodInsecure',
  'covidCase',
  'covidHit',
  'welfareScore',
] as const satisfies ReadonlyArray<Exclude<keyof HouseholdRecord, 'rsuId'>>;
export type MergeableField = (typeof MERGEABLE_FIELDS)[number];

type Fields = Pick<HouseholdRecord, MergeableField>;

/** A pair is stored once, whichever record was seen first: the smaller RSU id is `a`. */
export function orderedPair(x: string, y: string): [string, string] {
  return x < y ? [x, y] : [y, x];
}

/** The fields on which two records disagree, in MERGEABLE_FIELDS order. */
export function differingFields(a: Fields, b: Fields): MergeableField[] {
  return MERGEABLE_FIELDS.filter((f) => a[f] !== b[f]);
}

/** The changes a merge makes to the kept record: each chosen field that differs, taken from the other record. */
export function mergeChanges(kept: Fields, other: Fields, take: readonly MergeableField[]): Partial<Fields> {
  const changes: Partial<Record<MergeableField, unknown>> = {};
  for (const field of MERGEABLE_FIELDS) {
    if (take.includes(field) && kept[field] !== other[field]) changes[field] = other[field];
  }
  return changes as Partial<Fields>;
}
