import { describe, expect, it } from 'vitest';
import { differingFields, mergeChanges, orderedPair } from '../../domain/duplicates';
import type { HouseholdRecord } from '../../domain/register';

const record = (overrides: Partial<HouseholdRecord> = {}): HouseholdRecord => ({
  rsuId: 'RSU-0000000001',
  headName: 'Aminata Traoré',
  sex: 'F',
  birthYear: 1975,
  nina: '19830812340001K',
  phone: '+22376112233',
  communeCode: 'KAY-001',
  village: 'Kalaban',
  householdSize: 6,
  foodInsecure: true,
  covidCase: false,
  covidHit: true,
  welfareScore: 31.5,
  ...overrides,
});

describe('duplicate pairs', () => {
  it('a pair is the same whichever record was seen first', () => {
    expect(orderedPair('RSU-0000000009', 'RSU-0000000002')).toEqual(['RSU-0000000002', 'RSU-0000000009']);
    expect(orderedPair('RSU-0000000002', 'RSU-0000000009')).toEqual(['RSU-0000000002', 'RSU-0000000009']);
  });

  it('the fields that differ are listed in form order, the RSU id never', () => {
    const a = record();
    const b = record({ rsuId: 'RSU-0000000002', phone: null, householdSize: 7, welfareScore: null });
    expect(differingFields(a, b)).toEqual(['phone', 'householdSize', 'welfareScore']);
    expect(differingFields(a, record({ rsuId: 'RSU-0000000003' }))).toEqual([]);
  });

  it('a merge takes only the chosen fields that differ, nulls included', () => {
    const kept = record();
    const other = record({ rsuId: 'RSU-0000000002', phone: null, village: 'Sévaré', householdSize: 9 });
    expect(mergeChanges(kept, other, ['phone', 'householdSize', 'headName'])).toEqual({ phone: null, householdSize: 9 });
    expect(mergeChanges(kept, other, [])).toEqual({});
  });
});
