import { OpenAPIHono, z } from '@hono/zod-openapi';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import {
  CompletePhaseSchema,
  CreateCycleSchema,
  CycleDetailSchema,
  CycleIdParamSchema,
  CycleStateSchema,
  CycleSummarySchema,
  ErrorSchema,
  OptionalReasonSchema,
  PhaseParamSchema,
  ReasonSchema,
} from '../schemas';
import type { CycleService } from '../services/cycles';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';

const errors = {
  400: json(ErrorSchema, 'Invalid input'),
  404: json(ErrorSchema, 'No such cycle'),
  409: json(ErrorSchema, 'Refused by a rule of the cycle (paused, phase not started, already done…)'),
};

const listCycles = guardedRoute('cycle.read', {
  method: 'get',
  path: '/',
  tags: ['cycles'],
  summary: 'List program cycles with their phases',
  responses: { 200: json(z.object({ cycles: z.array(CycleSummarySchema) }), 'Cycles, newest first') },
});

const createCycle = guardedRoute('cycle.create', {
  method: 'post',
  path: '/',
  tags: ['cycles'],
  summary: 'Create a program cycle and start its workflow',
  request: body(CreateCycleSchema),
  responses: { 201: json(z.object({ cycle: CycleDetailSchema }), 'The created cycle'), 400: errors[400], 409: json(ErrorSchema, 'A cycle with this name exists') },
});

const getCycle = guardedRoute('cycle.read', {
  method: 'get',
  path: '/{cycleId}',
  tags: ['cycles'],
  summary: 'One cycle: phases, funding sources and every transition with who made it',
  request: { params: CycleIdParamSchema },
  responses: { 200: json(z.object({ cycle: CycleDetailSchema }), 'The cycle'), 404: errors[404] },
});

const getLiveState = guardedRoute('cycle.read', {
  method: 'get',
  path: '/{cycleId}/live',
  tags: ['cycles'],
  summary: "The cycle's state as its workflow holds it right now (workflow Query)",
  request: { params: CycleIdParamSchema },
  responses: { 200: json(z.object({ state: CycleStateSchema }), 'Live state'), 404: errors[404] },
});

const completePhase = guardedRoute('cycle.advance', {
  method: 'post',
  path: '/{cycleId}/phases/{phase}/complete',
  tags: ['cycles'],
  summary: 'Mark the active phase done; the next phase starts',
  request: { params: PhaseParamSchema, ...body(CompletePhaseSchema) },
  responses: { 200: json(z.object({ state: CycleStateSchema }), 'State after the change'), ...errors },
});

const actionRoute = <P extends string>(
  permission: 'cycle.pause' | 'cycle.cancel',
  path: P,
  summary: string,
  schema: typeof ReasonSchema | typeof OptionalReasonSchema,
) =>
  guardedRoute(permission, {
    method: 'post',
    path,
    tags: ['cycles'],
    summary,
    request: { params: CycleIdParamSchema, ...body(schema) },
    responses: { 200: json(z.object({ state: CycleStateSchema }), 'State after the change'), ...errors },
  });

const pauseCycle = actionRoute('cycle.pause', '/{cycleId}/pause', 'Pause the cycle: no phase advances until it resumes', ReasonSchema);
const resumeCycle = actionRoute('cycle.pause', '/{cycleId}/resume', 'Resume a paused cycle', OptionalReasonSchema);
const cancelCycle = actionRoute('cycle.cancel', '/{cycleId}/cancel', 'Cancel the cycle and every open phase', ReasonSchema);

export function cycleRoutes(service: CycleService) {
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(listCycles, async (c) => c.json({ cycles: await service.list() }, 200))
    .openapi(createCycle, async (c) => c.json({ cycle: await service.create(c.req.valid('json'), actorContext(c, principalIn(c))) }, 201))
    .openapi(getCycle, async (c) => c.json({ cycle: await service.get(c.req.valid('param').cycleId) }, 200))
    .openapi(getLiveState, async (c) => c.json({ state: await service.live(c.req.valid('param').cycleId) }, 200))
    .openapi(completePhase, async (c) => {
      const { cycleId, phase } = c.req.valid('param');
      const state = await service.completePhase(cycleId, phase, actorContext(c, principalIn(c)), c.req.valid('json').comment);
      return c.json({ state }, 200);
    })
    .openapi(pauseCycle, async (c) => {
      const state = await service.pause(c.req.valid('param').cycleId, actorContext(c, principalIn(c)), c.req.valid('json').reason);
      return c.json({ state }, 200);
    })
    .openapi(resumeCycle, async (c) => {
      const state = await service.resume(c.req.valid('param').cycleId, actorContext(c, principalIn(c)), c.req.valid('json').reason);
      return c.json({ state }, 200);
    })
    .openapi(cancelCycle, async (c) => {
      const state = await service.cancel(c.req.valid('param').cycleId, actorContext(c, principalIn(c)), c.req.valid('json').reason);
      return c.json({ state }, 200);
    });
}
