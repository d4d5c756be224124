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

/** The first moment the status of a workshop can change by itself: the start of the day after its end (UTC). */
export function nextLateAt(workshops: ReadonlyArray<WorkshopDates | null>, now: Date): Date | null {
  const today = todayInMali(now);
  const ends = workshops
    .filter((w): w is WorkshopDates => w !== null && !w.reportedAt && w.plannedEnd >= today)
    .map((w) => w.plannedEnd)
    .sort();
  const first = ends[0];
  if (!first) return null;
  const dayAfter = new Date(`${first}T00:00:00Z`);
  dayAfter.setUTCDate(dayAfter.getUTCDate() + 1);
  return dayAfter;
}

/** The comment recorded when the last planned workshop report completes the training phase. */
export const ALL_WORKSHOPS_REPORTED_COMMENT = 'All planned regional workshop reports are recorded.';
