import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import type { Database } from '../db/client';
import type { GrievanceSettings } from '../domain/grievances';
import { createSessionStore, DEFAULT_SESSION_POLICY, type SessionPolicy, type SessionStore } from './auth/session-store';
import { createLoginThrottle, DEFAULT_THROTTLE, type ThrottlePolicy } from './auth/throttle';
import { ApiError, respondNotFound, respondWithError } from './errors';
import { authMiddleware, type AuthVariables } from './middleware/auth';
import { adminRoutes } from './routes/admin';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { beneficiaryListRoutes } from './routes/beneficiary-lists';
import { cycleRoutes } from './routes/cycles';
import { duplicateRoutes } from './routes/duplicates';
import { grievanceRoutes } from './routes/grievances';
import { healthRoutes } from './routes/health';
import { overviewRoutes } from './routes/overview';
import { partnerRoutes } from './routes/partner';
import { paymentActionRoutes } from './routes/payment-actions';
import { paymentFiguresRoutes } from './routes/payment-figures';
import { paymentListRoutes } from './routes/payment-lists';
import { paymentRoutes } from './routes/payments';
import { procurementRoutes } from './routes/procurement';
import { reconciliationRoutes } from './routes/reconciliation';
import { MAX_REGISTER_FILE_BYTES, REGISTER_UPLOAD_PATH, registerRoutes } from './routes/register';
import { targetingRoutes } from './routes/targeting';
import { trainingRoutes } from './routes/training';
import { createCycleService } from './services/cycles';
import { createOverviewService, type OverviewService } from './services/overview';
import { createPaymentFiguresService, type PaymentFiguresService } from './services/payment-figures';
import { createTargetingService } from './services/targeting';
import { createTrainingService } from './services/training';

export interface AppDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
  /** Shared with Socket.IO so both sign in the same way; built from sessionPolicy when absent. */
  sessions?: SessionStore;
  sessionPolicy?: SessionPolicy;
  throttlePolicy?: ThrottlePolicy;
  /** Where uploaded register files are kept until imported; workers read them from the same path. */
  filesDir: string;
  /** Grievance deadlines and reopening period; the defaults are in days, tests pass seconds. */
  grievanceSettings?: GrievanceSettings;
  /** Shared with Socket.IO so both measure the rate of payments from the same samples. */
  paymentFigures?: PaymentFiguresService;
  /** True once this node is shutting down: readiness then answers 503 so the proxy stops sending it work. */
  draining?: () => boolean;
  /** Share of a region's settled payments that failed above which the overview alerts (default 5 %). */
  failedShareThreshold?: number;
  /** Shared with Socket.IO so the page's reads and the live stream's share their queries. */
  overview?: OverviewService;
}

/** Requests larger than this are refused before they are read: no endpoint needs more. */
export const MAX_BODY_BYTES = 64 * 1024;
/** A paper register of complaints, typed up: a few thousand rows. */
const MAX_GRIEVANCE_IMPORT_BYTES = 2 * 1024 * 1024;
const GRIEVANCE_IMPORT_PATH = '/api/grievances/imports';

/** The HTTP API under /api; its type is the contract the console's typed client uses. */
export function createApp(deps: AppDeps) {
  const sessions = deps.sessions ?? createSessionStore(deps.database, deps.sessionPolicy ?? DEFAULT_SESSION_POLICY);
  const throttle = createLoginThrottle(deps.database, deps.throttlePolicy ?? DEFAULT_THROTTLE);

  const targeting = createTargetingService(deps);
  const overview = deps.overview ?? createOverviewService(deps);
  const documentConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Jigi API',
      version: '0.2.0',
      description:
        'Program cycles of a national cash-transfer program. Money is an integer number of FCFA. ' +
        'Each operation names the permission it needs in x-permission; cookie-authenticated changes send the x-csrf-token header.',
    },
    security: [{ session: [] }, { serviceToken: [] }] as Array<Record<string, string[]>>,
  };
  const app = new OpenAPIHono<{ Variables: AuthVariables }>();
  app.onError((err, c) => respondWithError(c, err));
  app.notFound(respondNotFound);
  app.use('/api/*', requestId());
  const smallBodies = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, 'validation_failed', `The request body is larger than ${MAX_BODY_BYTES / 1024} KiB.`);
    },
  });
  const registerFiles = bodyLimit({
    maxSize: MAX_REGISTER_FILE_BYTES,
    onError: () => {
      throw new ApiError(413, 'validation_failed', `A register file may not exceed ${MAX_REGISTER_FILE_BYTES / 1024 ** 3} GiB.`);
    },
  });
  const grievanceRegisters = bodyLimit({
    maxSize: MAX_GRIEVANCE_IMPORT_BYTES,
    onError: () => {
      throw new ApiError(413, 'validation_failed', `A register of complaints may not exceed ${MAX_GRIEVANCE_IMPORT_BYTES / 1024 ** 2} MiB.`);
    },
  });
  app.use('/api/*', (c, next) => {
    if (c.req.method !== 'POST') return smallBodies(c, next);
    if (c.req.path === REGISTER_UPLOAD_PATH) return registerFiles(c, next);
    return c.req.path === GRIEVANCE_IMPORT_PATH ? grievanceRegisters(c, next) : smallBodies(c, next);
  });
  app.use('/api/*', authMiddleware({ database: deps.database, sessions }));

  const routes = app
    .route('/api/health', healthRoutes(deps))
    .route('/api/auth', authRoutes({ database: deps.database, sessions, throttle }))
    .route('/api/cycles', cycleRoutes(createCycleService(deps)))
    .route('/api/cycles', beneficiaryListRoutes(deps))
    .route('/api/cycles', trainingRoutes(createTrainingService(deps)))
    .route('/api/cycles', targetingRoutes(targeting))
    .route('/api/cycles', paymentRoutes(deps))
    .route('/api/cycles', paymentActionRoutes(deps))
    .route('/api/cycles', paymentListRoutes(deps))
    .route('/api/cycles', reconciliationRoutes(deps))
    .route('/api/cycles', paymentFiguresRoutes({ database: deps.database, paymentFigures: deps.paymentFigures ?? createPaymentFiguresService(deps) }))
    .route('/api/admin', adminRoutes({ database: deps.database, sessions }))
    .route('/api/audit', auditRoutes({ database: deps.database }))
    .route('/api/register', registerRoutes(deps))
    .route('/api/duplicates', duplicateRoutes(deps))
    .route('/api/procurement', procurementRoutes(deps))
    .route('/api/grievances', grievanceRoutes({ ...deps, explainHousehold: targeting.explain }))
    .route('/api/overview', overviewRoutes(overview))
    .route('/api/partner', partnerRoutes(overview, () => app.getOpenAPI31Document(documentConfig) as unknown as Record<string, unknown>));

  app.openAPIRegistry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'jigi_session' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceToken', { type: 'http', scheme: 'bearer' });
  app.doc31('/api/openapi.json', documentConfig);
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
