// The coordination unit's overview, the steering committee's report (PDF and CSV) and AWPB expenses.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { ExpenseInputSchema, ExpenseSchema, ForecastPlanInputSchema, ForecastPlanSchema, ForecastYearParam, OverviewQuerySchema, OverviewSchema } from '../overview-schemas';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema } from '../schemas';
import { REPORT_TABLES } from '../../domain/overview';
import { reportCsv, reportPdf } from '../services/overview-report';
import { viewerOf, type OverviewService } from '../services/overview';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';

const tags = ['overview'];
const invalid = json(ErrorSchema, 'Invalid year or date');

const getOverview = guardedRoute('overview.read', {
  method: 'get',
  path: '/',
  tags,
  summary: 'Open cycles and their phases, households and amounts, the AWPB’s execution rate by component, funding source and region, payments per day, alerts (your area)',
  request: { query: OverviewQuerySchema },
  responses: { 200: json(z.object({ overview: OverviewSchema, years: z.array(z.number().int()) }), 'The overview'), 400: invalid },
});

const getReportPdf = guardedRoute('overview.read', {
  method: 'get',
  path: '/report.pdf',
  tags,
  summary: 'The steering committee’s report for a date, as a PDF with its charts (French); the same figures as the overview',
  request: { query: OverviewQuerySchema },
  responses: { 200: { content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'The report' }, 400: invalid },
});

const getReportTable = guardedRoute('overview.read', {
  method: 'get',
  path: '/report/tables/{table}',
  tags,
  summary: 'One table of the steering committee’s report as CSV: components, funding-sources, regions, disbursed-by-day, procurement-delays, grievances',
  request: { params: z.object({ table: z.enum(REPORT_TABLES).openapi({ param: { name: 'table', in: 'path' } }) }), query: OverviewQuerySchema },
  responses: { 200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV, French headers, integer FCFA' }, 400: invalid },
});

const recordExpense = guardedRoute('awpb.manage', {
  method: 'post',
  path: '/expenses',
  tags,
  summary: 'Record an expense against the AWPB (a component, a funding source, a region or none); it counts in the achievements from its day',
  request: body(ExpenseInputSchema),
  responses: { 201: json(z.object({ expense: ExpenseSchema }), 'Expense recorded'), 400: json(ErrorSchema, 'Invalid expense') },
});

const getForecastPlan = guardedRoute('awpb.manage', {
  method: 'get',
  path: '/forecasts/{year}',
  tags,
  summary: 'A year’s AWPB forecast lines (component × funding source × region or national), for its editor, with the years on record',
  request: { params: ForecastYearParam },
  responses: { 200: json(z.object({ plan: ForecastPlanSchema }), 'The year’s plan (no lines: none on record)'), 400: json(ErrorSchema, 'Invalid year') },
});

const replaceForecastPlan = guardedRoute('awpb.manage', {
  method: 'put',
  path: '/forecasts/{year}',
  tags,
  summary: 'Replace a year’s AWPB forecast lines, all or nothing (national coordination; 409 when the plan changed since `basedOn`)',
  request: { params: ForecastYearParam, ...body(ForecastPlanInputSchema) },
  responses: {
    200: json(z.object({ plan: ForecastPlanSchema }), 'The plan saved'),
    400: json(ErrorSchema, 'Invalid lines, a line twice, or an unknown region'),
    409: json(ErrorSchema, 'The plan changed since the editor read it'),
  },
});

const stamp = (asOf: string) => asOf.replaceAll('-', '');

export function overviewRoutes(service: OverviewService) {
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(getOverview, async (c) => c.json(await service.overview(viewerOf(principalIn(c)), c.req.valid('query')), 200))
    .openapi(getReportPdf, async (c) => {
      const { overview } = await service.overview(viewerOf(principalIn(c)), c.req.valid('query'));
      const pdf = await reportPdf(overview);
      c.header('content-disposition', `attachment; filename="jigi-comite-pilotage-${stamp(overview.asOf)}.pdf"`);
      return c.body(new Uint8Array(pdf), 200, { 'content-type': 'application/pdf' });
    })
    .openapi(getReportTable, async (c) => {
      const { table } = c.req.valid('param');
      const { overview } = await service.overview(viewerOf(principalIn(c)), c.req.valid('query'));
      c.header('content-disposition', `attachment; filename="jigi-${table}-${stamp(overview.asOf)}.csv"`);
      return c.body(reportCsv(overview, table), 200, { 'content-type': 'text/csv; charset=utf-8' });
    })
    .openapi(getForecastPlan, async (c) => c.json({ plan: await service.forecastPlan(c.req.valid('param').year) }, 200))
    .openapi(replaceForecastPlan, async (c) => {
      const plan = await service.replaceForecastPlan(c.req.valid('param').year, c.req.valid('json'), actorContext(c, principalIn(c)));
      return c.json({ plan }, 200);
    })
    .openapi(recordExpense, async (c) => {
      const expense = await service.recordExpense(c.req.valid('json'), actorContext(c, principalIn(c)));
      return c.json({ expense }, 201);
    });
}
