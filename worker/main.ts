import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { createWorker } from './create-worker';
import { readWorkerEnv } from './env';

const env = readWorkerEnv();
Runtime.install({ logger: new DefaultLogger('WARN') });
// Every node migrates at start (the API also loads the reference data); the migration lock makes the first one do it, the others wait.
await migrateDatabase(env.DATABASE_URL);

const database = createDatabase(env.DATABASE_URL);
const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
const worker = await createWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  database,
  ...(env.TEMPORAL_TASK_QUEUE ? { taskQueue: env.TEMPORAL_TASK_QUEUE } : {}),
  ...(env.JIGI_WORKFLOW_BUNDLE ? { workflowBundle: { codePath: env.JIGI_WORKFLOW_BUNDLE } } : {}),
});
console.log(`[worker] polling task queue "${worker.options.taskQueue}" on ${env.TEMPORAL_ADDRESS}`);
// Runtime.install's default shutdown signals (SIGINT, SIGTERM) make run() resolve after in-flight tasks finish.
await worker.run();
await connection.close();
await database.close();
console.log('[worker] stopped');
