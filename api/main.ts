import { resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDatabase } from '../db/client';
import { loadProcurementTemplates } from '../db/procurement-templates';
import { TASK_QUEUES } from '../domain/temporal-names';
import { ensureAdministrator } from './bootstrap';
import { grievanceSettingsFrom, readApiEnv } from './env';
import { startApiServer } from './server';

const env = readApiEnv();
const database = createDatabase(env.DATABASE_URL);
const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
const temporal = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });

await ensureAdministrator(database, env.JIGI_ADMIN_PASSWORD, (line) => console.log(`[api] ${line}`));
await loadProcurementTemplates(database);

const server = await startApiServer({
  database,
  temporal,
  taskQueue: env.TEMPORAL_TASK_QUEUE ?? TASK_QUEUES.programCycle,
  port: env.PORT,
  filesDir: resolve(env.JIGI_FILES_DIR),
  host: env.HOST,
  grievanceSettings: grievanceSettingsFrom(env),
  ...(env.JIGI_OVERVIEW_FAILED_SHARE === undefined ? {} : { failedShareThreshold: env.JIGI_OVERVIEW_FAILED_SHARE }),
  ...(env.CONSOLE_DIR ? { consoleDir: env.CONSOLE_DIR } : {}),
  ...(env.ALLOWED_ORIGINS ? { allowedOrigins: env.ALLOWED_ORIGINS } : {}),
});
console.log(`[api] listening on ${server.url}`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`[api] ${signal}: closing`);
  await server.close();
  await connection.close();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
