// Read-only aggregates for funders' systems (service tokens with the partner role): no personal data.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { OverviewQuerySchema, PartnerFiguresSchema } from '../overview-schemas';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { ErrorSchema } from '../schemas';
import type { OverviewService } from '../services/overview';
import { validationHook } from '../validation';
import { guardedRoute, json } from './guard';

const tags = ['partner'];

const figures = guardedRoute('partner.read', {
  method: 'get',
  path: '/figures',
  tags,
  summary: 'Aggregate figures for funders: AWPB forecast, achievements and execution rate by component, funding source and region; households and amounts per region; amounts per day',
  description:
    'Authenticate with a service token (Authorization: Bearer jst_…) created by an administrator with the partner role; a token scoped to a region sees that region. ' +
    'Money is integer FCFA; rates are fractions (0.1711 is 17.11 %). No household, person or complaint is ever in the answer.',
  security: [{ serviceToken: [] }],
  request: { query: OverviewQuerySchema },
  responses: { 200: json(z.object({ figures: PartnerFiguresSchema }), 'The figures'), 400: json(ErrorSchema, 'Invalid year or date') },
});

const description = guardedRoute('public', {
  method: 'get',
  path: '/openapi.json',
  tags,
  summary: 'The OpenAPI description of the partner API alone',
  responses: { 200: json(z.object({}).passthrough(), 'OpenAPI 3.1 document') },
});

/** `document` returns the whole API's OpenAPI document; the partner description keeps its partner paths. */
export function partnerRoutes(service: OverviewService, document: () => { paths?: Record<string, unknown> } & Record<string, unknown>) {
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(figures, async (c) => c.json({ figures: await service.partnerFigures(principalIn(c), c.req.valid('query')) }, 200))
    .openapi(description, (c) => {
      const whole = document();
      const paths = Object.fromEntries(Object.entries(whole.paths ?? {}).filter(([path]) => path.startsWith('/api/partner/')));
      const info = { title: 'Jigi partner API', version: '1.0.0', description: 'Aggregate figures of the Jigisemejiri program for its technical and financial partners. Read-only; integer FCFA.' };
      return c.json({ ...whole, info, paths }, 200);
    });
}
