// The training phase's HTTP contract: workshops per region, their plans and reports.
import { z } from '@hono/zod-openapi';
import { CYCLE_STATUSES, PHASE_STATUSES } from '../domain/cycle';
import { WORKSHOP_STATUSES } from '../domain/training';
import { CycleIdParamSchema, line, text } from './schemas';

/** A real calendar day (2020-02-30 is refused), written YYYY-MM-DD. */
const calendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a YYYY-MM-DD date')
  .refine((d) => {
    const parsed = new Date(`${d}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(d);
  }, 'Not a calendar date')
  .openapi({ example: '2020-07-21' });

const people = (description: string) => z.number().int('A number of people is a whole number').min(0).max(100_000).openapi({ description, example: 45 });

export const RegionParamSchema = CycleIdParamSchema.extend({
  region: line().min(1).max(64).openapi({ param: { name: 'region', in: 'path' }, example: 'KAY', description: 'Region code of the geography' }),
});

export const WorkshopPlanSchema = z
  .object({
    chair: line().trim().min(2).max(200).openapi({ example: 'Gouverneur de la région de Kayes' }),
    place: line().trim().min(2).max(200).openapi({ example: 'Kayes' }),
    plannedStart: calendarDate,
    plannedEnd: calendarDate,
    plannedParticipants: people('Participants expected'),
  })
  .strict()
  .refine((p) => p.plannedEnd >= p.plannedStart, { message: 'plannedEnd is before plannedStart', path: ['plannedEnd'] })
  .openapi('WorkshopPlan');

export const WorkshopReportSchema = z
  .object({
    actualParticipants: people('Participants who attended'),
    trainersTrained: people('Of them, trainers trained to update the register with the field collection app'),
    notes: text().trim().max(4000).optional(),
  })
  .strict()
  .refine((r) => r.trainersTrained <= r.actualParticipants, { message: 'More trainers trained than participants', path: ['trainersTrained'] })
  .openapi('WorkshopReport');

export const WorkshopSchema = z
  .object({
    id: z.string(),
    regionCode: z.string(),
    chair: z.string(),
    place: z.string(),
    plannedStart: z.string(),
    plannedEnd: z.string(),
    plannedParticipants: z.number().int(),
    plannedBy: z.string(),
    actualParticipants: z.number().int().nullable(),
    trainersTrained: z.number().int().nullable(),
    reportNotes: z.string().nullable(),
    reportedBy: z.string().nullable(),
    reportedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi('Workshop');

export const TrainingOverviewSchema = z
  .object({
    /** The server's date (YYYY-MM-DD, UTC = Bamako) the statuses were computed on. */
    today: z.string(),
    trainingPhase: z.enum(PHASE_STATUSES),
    cycleStatus: z.enum(CYCLE_STATUSES),
    regions: z.array(
      z.object({
        regionCode: z.string(),
        regionName: z.string(),
        status: z.enum(WORKSHOP_STATUSES),
        workshop: WorkshopSchema.nullable(),
      }),
    ),
    counts: z.object({ planned: z.number().int(), reported: z.number().int(), late: z.number().int(), lateRegions: z.array(z.string()) }),
    trainedRegions: z.array(z.string()),
  })
  .openapi('TrainingOverview');

export type WorkshopPlan = z.infer<typeof WorkshopPlanSchema>;
export type WorkshopReport = z.infer<typeof WorkshopReportSchema>;
export type Workshop = z.infer<typeof WorkshopSchema>;
export type TrainingOverview = z.infer<typeof TrainingOverviewSchema>;
