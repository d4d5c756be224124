import { DefaultLogger, NativeConnection, Runtime, type LogEntry } from '@temporalio/worker';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { createLogger } from '../observability/log';
import { createWorker } from './create-worker';
import { readWorkerEnv } from './env';
import { sdkMetricsAddress, startWorkerMetrics } from './metrics';

const env = readWorkerEnv();
const log = createLogger('worker', env.JIGI_LOG_FORMAT);
const sdkAddress = env.JIGI_METRICS_PORT ? sdkMetricsAddress(env.JIGI_METRICS_PORT) : null;
// The SDK's lines (with the workflow id, run id and activity of the task when there is one) go out as ours.
const sdkLog = (entry: LogEntry) => log.log(entry.level === 'TRACE' || entry.level === 'DEBUG' ? 'debug' : (entry.level.toLowerCase() as 'info' | 'warn' | 'error'), entry.message, entry.meta);
Runtime.install({
  logger: new DefaultLogger('WARN', sdkLog),
  ...(sdkAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkAddress, countersTotalSuffix: true, useSecondsForDurations: true } } } } : {}),
});
// Every node migrates at start (the API also loads the reference data); the migration lock makes the first one do it, the others wait.
await migrateDatabase(env.DATABASE_URL);

const database = createDatabase(env.DATABASE_URL);
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
const worker = await createWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  database,
  shutdownGraceSeconds: env.JIGI_SHUTDOWN_GRACE_SECONDS,
  ...(env.TEMPORAL_TASK_QUEUE ? { taskQueue: env.TEMPORAL_TASK_QUEUE } : {}),
  ...(env.JIGI_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: env.JIGI_WORKFLOW_BUNDLE } } : {}),
});
const metrics = env.JIGI_METRICS_PORT && sdkAddress ? await startWorkerMetrics({ port: env.JIGI_METRICS_PORT, sdkAddress }) : null;
log.info(`polling task queue "${worker.options.taskQueue}" on ${env.TEMPORAL_ADDRESS}`, { metricsPort: metrics?.port });
// Runtime.install's default shutdown signals (SIGINT, SIGTERM) make run() resolve once activities in
// flight finish, or are cancelled after the grace time and retried by another worker.
await worker.run();
await metrics?.close();
await connection.close();
await database.close();
log.info('stopped');
