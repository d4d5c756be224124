import { OpenAPIHono } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client';
import { respondNotFound, respondWithError } from './errors';
import { actorMiddleware, type ActorVariables } from './middleware/actor';
import { cycleRoutes } from './routes/cycles';
import { healthRoutes } from './routes/health';
import { createCycleService } from './services/cycles';

export interface AppDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
}

/** The HTTP API under /api; its type is the contract the console's typed client uses. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<{ Variables: ActorVariables }>();
  app.onError((err, c) => respondWithError(c, err));
  app.notFound(respondNotFound);
  app.use('/api/*', actorMiddleware);

  const routes = app
    .route('/api/health', healthRoutes(deps))
    .route('/api/cycles', cycleRoutes(createCycleService(deps)));

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Jigi API',
      version: '0.1.0',
      description: 'Program cycles of a national cash-transfer program. Money is an integer number of FCFA.',
    },
  });
  return routes;
}

export type AppType = ReturnType<typeof createApp>;
