import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDatabase } from '../db/client';
import { prepareDatabase } from '../db/migrate';
import { TASK_QUEUES } from '../domain/temporal-names';
import { createLogger } from '../observability/log';
import { ensureAdministrator } from './bootstrap';
import { grievanceSettingsFrom, readApiEnv } from './env';
import { recordWorkflowIds } from './request-context';
import { startApiServer } from './server';

const env = readApiEnv();
const log = createLogger('api', env.JIGI_LOG_FORMAT);
// Every node migrates at start; the migration lock makes the first one do it and the others wait.
await prepareDatabase(env.DATABASE_URL);
const database = createDatabase(env.DATABASE_URL);
const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE, interceptors: { workflow: [recordWorkflowIds] } });

await ensureAdministrator(database, env.JIGI_ADMIN_PASSWORD, (line) => log.info(line));

const server = await startApiServer({
  database,
  temporal,
  taskQueue: env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUES.programCycle,
  port: env.PORT,
  filesDir: resolve(env.JIGI_FILES_DIR),
  host: env.HOST,
  grievanceSettings: grievanceSettingsFrom(env),
  // A line per request is for a log collector; a terminal (`npm start`) would scroll with the console's calls.
  ...(env.JIGI_LOG_FORMAT === 'json' ? { log } : {}),
  drainMs: env.JIGI_SHUTDOWN_GRACE_SECONDS * 1000,
  trustedProxyHops: env.JIGI_TRUSTED_PROXY_HOPS,
  ...(env.JIGI_OVERVIEW_FAILED_SHARE === undefined ? {} : { failedShareThreshold: env.JIGI_OVERVIEW_FAILED_SHARE }),
  ...(env.CONSOLE_DIR ? { consoleDir: env.CONSOLE_DIR } : {}),
  ...(env.ALLOWED_ORIGINS ? { allowedOrigins: env.ALLOWED_ORIGINS } : {}),
});
log.info(`listening on ${server.url}`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: draining`);
  await server.close();
  await connection.close();
  await database.close();
  log.info('stopped');
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
