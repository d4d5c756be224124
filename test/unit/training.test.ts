import { describe, expect, it } from 'vitest';
import { msUntilNextDay, todayInMali, trainingCounts, workshopStatus } from '../../domain/training';

describe('workshop status', () => {
  const planned = { plannedEnd: '2020-07-24', reportedAt: null };

  it('is late only from the day after the planned end, and never once reported', () => {
    expect(workshopStatus(planned, '2020-07-24')).toBe('planned');
    expect(workshopStatus(planned, '2020-07-25')).toBe('late');
    expect(workshopStatus({ ...planned, reportedAt: '2020-08-03T10:00:00Z' }, '2021-01-01')).toBe('reported');
    expect(workshopStatus(null, '2020-07-25')).toBe('not-planned');
  });

  it('counts planned, reported and late regions, naming the late ones', () => {
    const regions = [
      { regionCode: 'KAY', workshop: { ...planned, reportedAt: '2020-07-24T18:00:00Z' } },
      { regionCode: 'GAO', workshop: planned },
      { regionCode: 'KID', workshop: { plannedEnd: '2020-08-10', reportedAt: null } },
      { regionCode: 'BKO', workshop: null },
    ];
    expect(trainingCounts(regions, '2020-07-30')).toEqual({ planned: 3, reported: 1, late: 1, lateRegions: ['GAO'] });
  });

  it('takes the day in Mali (UTC) and knows how long until the next one starts', () => {
    expect(todayInMali(new Date('2020-07-24T23:59:59Z'))).toBe('2020-07-24');
    expect(msUntilNextDay(Date.parse('2020-07-24T23:00:00Z'))).toBe(3_600_000);
    expect(msUntilNextDay(Date.parse('2020-07-25T00:00:00Z'))).toBe(86_400_000);
  });
});
