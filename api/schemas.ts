// The HTTP contract's schemas: request validation and the OpenAPI document come from these alone.
import { z } from '@hono/zod-openapi';
import { CYCLE_STATUSES, PHASES, PHASE_STATUSES, TRANSITION_KINDS } from '../domain/cycle';
import { ERROR_CODES } from '../domain/errors';
import { FUNDING_SOURCES } from '../domain/funding';
import { DEFAULT_SIGNATURE_BANDS, RELEASE_STAGES, whyInvalidBands, type ReleaseStage, type SignatureBand } from '../domain/payment-release';

// Matching control characters is the point of these two patterns.
/* eslint-disable no-control-regex */
/** Text a person typed, on one line: no control characters (Postgres refuses NUL; others hide content). */
export const line = () => z.string().regex(/^[^\u0000-\u001F\u007F]*$/, 'Control characters are not allowed');
/** Text over several lines: newlines and tabs, no other control character. */
export const text = () => z.string().regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/, 'Control characters are not allowed');
/* eslint-enable no-control-regex */

const fcfa = (max = Number.MAX_SAFE_INTEGER) =>
  z.number().int('FCFA amounts are whole numbers').positive().max(max).openapi({ description: 'Integer FCFA', example: 90000 });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const FundingSourceSchema = z
  .object({ source: z.enum(FUNDING_SOURCES), amountFcfa: fcfa() })
  .openapi('FundingSourceAmount');

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a YYYY-MM-DD date');

const seconds = (max: number) => z.number().int().min(1).max(max);

/** Cycle settings; deadlines in seconds so a test can use seconds and a real cycle days. */
export const CycleSettingsSchema = z
  .object({
    trainingGateWaived: z.boolean().optional(),
    validationDeadlineSeconds: seconds(365 * 24 * 3600).optional().openapi({ example: 864_000 }),
    escalationDeadlineSeconds: seconds(365 * 24 * 3600).optional().openapi({ example: 432_000 }),
    /** Signatures per release stage of a payment list, by amount band; the last band unbounded. */
    releaseSignatureBands: z
      .array(
        z
          .object({
            upToFcfa: z.number().int().positive().nullable(),
            signatures: z.object(Object.fromEntries(RELEASE_STAGES.map((stage) => [stage, z.number().int().min(1).max(10)])) as Record<ReleaseStage, z.ZodNumber>).strict(),
          })
          .strict(),
      )
      .min(1)
      .max(10)
      .superRefine((bands, ctx) => {
        const why = whyInvalidBands(bands);
        if (why) ctx.addIssue({ code: 'custom', message: why });
      })
      .optional()
      .openapi({ example: DEFAULT_SIGNATURE_BANDS as SignatureBand[] }),
    paymentBatchSize: z.number().int().min(1).max(2_000).optional().openapi({ example: 500 }),
    paymentBatchesInFlight: z.number().int().min(1).max(50).optional().openapi({ example: 4 }),
    bulkActionApprovalThreshold: z.number().int().min(1).max(1_000_000).optional().openapi({ example: 20 }),
  })
  .strict()
  .openapi('CycleSettings');

export const CreateCycleSchema = z
  .object({
    name: line().trim().min(3).max(120).openapi({ example: 'Transfert d’urgence COVID-19 2021' }),
    description: text().trim().max(2000).default(''),
    transferAmountFcfa: fcfa(10_000_000),
    targetHouseholds: z.number().int().positive().max(5_000_000).openapi({ example: 1_000_000 }),
    startsOn: isoDate.optional(),
    endsOn: isoDate.optional(),
    fundingSources: z
      .array(FundingSourceSchema)
      .min(1)
      .max(FUNDING_SOURCES.length)
      .refine((list) => new Set(list.map((f) => f.source)).size === list.length, 'Each funding source appears once'),
    settings: CycleSettingsSchema.optional(),
  })
  .strict()
  .refine((c) => !c.startsOn || !c.endsOn || c.startsOn <= c.endsOn, { message: 'endsOn is before startsOn', path: ['endsOn'] })
  .openapi('CreateCycle');

export const ReasonSchema = z
  .object({ reason: text().trim().min(3).max(1000) })
  .strict()
  .openapi('Reason');

export const OptionalReasonSchema = z
  .object({ reason: text().trim().max(1000).default('') })
  .strict()
  .openapi('OptionalReason');

export const CompletePhaseSchema = z
  .object({ comment: text().trim().max(2000).optional() })
  .strict()
  .openapi('CompletePhase');

export const CycleIdParamSchema = z.object({
  cycleId: z.string().openapi({ param: { name: 'cycleId', in: 'path' }, example: '0b7c2f7e-3c55-4d0e-9d0a-2d7f1f1f1f1f' }),
});

export const PhaseParamSchema = CycleIdParamSchema.extend({
  phase: z.enum(PHASES).openapi({ param: { name: 'phase', in: 'path' } }),
});

export const PhaseStateSchema = z
  .object({
    phase: z.enum(PHASES),
    status: z.enum(PHASE_STATUSES),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    completedBy: z.string().nullable(),
  })
  .openapi('PhaseState');

export const CycleStateSchema = z
  .object({
    cycleId: z.string(),
    status: z.enum(CYCLE_STATUSES),
    phases: z.array(PhaseStateSchema),
    version: z.number().int(),
    trainedRegions: z.array(z.string()).optional().openapi({ description: 'Region codes whose training workshop report is recorded' }),
  })
  .openapi('CycleState');

export const CycleSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(CYCLE_STATUSES),
    version: z.number().int(),
    transferAmountFcfa: z.number().int(),
    targetHouseholds: z.number().int(),
    budgetFcfa: z.number().int().openapi({ description: 'Sum of the funding sources, integer FCFA' }),
    currentPhase: z.enum(PHASES).nullable(),
    phases: z.array(PhaseStateSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CycleSummary');

export const TransitionSchema = z
  .object({
    sequence: z.number().int(),
    kind: z.enum(TRANSITION_KINDS),
    phase: z.enum(PHASES).nullable(),
    actor: z.string(),
    reason: z.string().nullable(),
    at: z.string(),
  })
  .openapi('Transition');

export const CycleDetailSchema = CycleSummarySchema.extend({
  description: z.string(),
  startsOn: z.string().nullable(),
  endsOn: z.string().nullable(),
  createdBy: z.string(),
  fundingSources: z.array(FundingSourceSchema),
  transitions: z.array(TransitionSchema),
}).openapi('CycleDetail');

export type CreateCycle = z.infer<typeof CreateCycleSchema>;
export type CycleSummary = z.infer<typeof CycleSummarySchema>;
export type CycleDetail = z.infer<typeof CycleDetailSchema>;
