import { OpenAPIHono, z } from '@hono/zod-openapi';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { CycleIdParamSchema, ErrorSchema } from '../schemas';
import type { TrainingService } from '../services/training';
import { RegionParamSchema, TrainingOverviewSchema, WorkshopPlanSchema, WorkshopReportSchema, WorkshopSchema } from '../training-schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';

const errors = {
  400: json(ErrorSchema, 'Invalid input (dates out of order, participants not whole numbers ≥ 0, more trainers than participants…)'),
  404: json(ErrorSchema, 'No such cycle or region'),
  409: json(ErrorSchema, 'Refused by a rule of the cycle: cycle closed, training phase not open, no workshop planned'),
};

const listWorkshops = guardedRoute('cycle.read', {
  method: 'get',
  path: '/{cycleId}/workshops',
  tags: ['training'],
  summary: 'Every region with its training workshop, its status today (planned, late, reported) and the counts',
  request: { params: CycleIdParamSchema },
  responses: { 200: json(TrainingOverviewSchema, 'Workshops per region'), 404: errors[404] },
});

const planWorkshop = guardedRoute('workshop.manage', {
  method: 'put',
  path: '/{cycleId}/workshops/{region}',
  tags: ['training'],
  summary: "Plan a region's workshop or change its plan (while the training phase is active)",
  request: { params: RegionParamSchema, ...body(WorkshopPlanSchema) },
  responses: {
    200: json(z.object({ workshop: WorkshopSchema }), 'Plan changed'),
    201: json(z.object({ workshop: WorkshopSchema }), 'Workshop planned'),
    ...errors,
  },
});

const reportWorkshop = guardedRoute('workshop.manage', {
  method: 'post',
  path: '/{cycleId}/workshops/{region}/report',
  tags: ['training'],
  summary: "Record a region's workshop report, or correct it",
  description:
    'Accepted while the cycle is open, also after the training phase closed (targeting in the region waits for it). ' +
    'When it is the last planned workshop to report and training is still active, the training phase completes.',
  request: { params: RegionParamSchema, ...body(WorkshopReportSchema) },
  responses: { 200: json(z.object({ workshop: WorkshopSchema, allPlannedReported: z.boolean() }), 'Report recorded'), ...errors },
});

export function trainingRoutes(service: TrainingService) {
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(listWorkshops, async (c) => c.json(await service.overview(c.req.valid('param').cycleId), 200))
    .openapi(planWorkshop, async (c) => {
      const { cycleId, region } = c.req.valid('param');
      const { workshop, created } = await service.plan(cycleId, region, c.req.valid('json'), actorContext(c, principalIn(c)));
      return created ? c.json({ workshop }, 201) : c.json({ workshop }, 200);
    })
    .openapi(reportWorkshop, async (c) => {
      const { cycleId, region } = c.req.valid('param');
      return c.json(await service.report(cycleId, region, c.req.valid('json'), actorContext(c, principalIn(c))), 200);
    });
}
