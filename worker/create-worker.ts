import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import { Worker, bundleWorkflowCode, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Database } from '../db/client';
import { TASK_QUEUES } from '../domain/temporal-names';
import { readAgencyCredential } from './env';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles the workflow code once, so tests can share it between workers. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
}

/** The workflow code bundled once into `dir`: every worker (and every incarnation of one) loads it instead of bundling. */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  const file = join(dir, 'workflow-bundle.js');
  await writeFile(file, (await bundleWorkflows()).code);
  return file;
}

const noop = () => {};
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  database: Database;
  taskQueue?: string;
  workflowBundle?: WorkflowBundleOption;
  /** On shutdown, how long activities in flight may finish before they are cancelled (and retried by another worker). */
  shutdownGraceSeconds?: number;
}

export function createWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUES.programCycle,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath, bundlerOptions: {} }),
    ...(options.shutdownGraceSeconds !== undefined ? { shutdownGraceTime: `${options.shutdownGraceSeconds}s` } : {}),
    activities: createActivities({ database: options.database, agencyCredentials: (ref) => readAgencyCredential(ref) }),
  });
}

// `npm run build:workflows -- DIR`: the bundle a container image ships (JIGI_WORKFLOW_BUNDLE).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = await writeWorkflowBundle(process.argv[2] ?? '.');
  console.log(`workflow bundle written to ${file}`);
}
