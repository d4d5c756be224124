// The training phase: one information and training-of-trainers workshop per region, chaired by its
// governor; a region is trained once its workshop report is recorded.

/** Where a region's workshop stands; "late" is a planned workshop whose end date has passed without a report. */
export const WORKSHOP_STATUSES = ['not-planned', 'planned', 'late', 'reported'] as const;
export type WorkshopStatus = (typeof WORKSHOP_STATUSES)[number];

/** What the status needs of a workshop: its planned end (YYYY-MM-DD) and whether its report is in. */
export interface WorkshopDates {
  plannedEnd: string;
  reportedAt: string | null;
}

/** Today's calendar date in Mali (UTC all year), as YYYY-MM-DD. */
export function todayInMali(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** The status of a region's workshop on `today` (YYYY-MM-DD): late the day after its planned end. */
export function workshopStatus(workshop: WorkshopDates | null, today: string): WorkshopStatus {
  if (!workshop) return 'not-planned';
  if (workshop.reportedAt) return 'reported';
  return workshop.plannedEnd < today ? 'late' : 'planned';
}

export interface TrainingCounts {
  /** Regions with a workshop planned (reported ones included). */
  planned: number;
  reported: number;
  late: number;
  /** Region codes whose workshop is late. */
  lateRegions: string[];
}

export function trainingCounts(regions: ReadonlyArray<{ regionCode: string; workshop: WorkshopDates | null }>, today: string): TrainingCounts {
  const counts: TrainingCounts = { planned: 0, reported: 0, late: 0, lateRegions: [] };
  for (const { regionCode, workshop } of regions) {
    const status = workshopStatus(workshop, today);
    if (status === 'not-planned') continue;
    counts.planned += 1;
    if (status === 'reported') counts.reported += 1;
    if (status === 'late') {
      counts.late += 1;
      counts.lateRegions.push(regionCode);
    }
  }
  return counts;
}

/** Milliseconds from `now` to the next midnight in Mali (UTC), when a workshop can turn late by itself. */
export function msUntilNextDay(nowMs: number): number {
  const next = new Date(nowMs);
  next.setUTCHours(24, 0, 0, 0);
  return next.getTime() - nowMs;
}

/** The comment recorded when the last planned workshop report completes the training phase. */
export const ALL_WORKSHOPS_REPORTED_COMMENT = 'Every region’s workshop report is recorded.';
