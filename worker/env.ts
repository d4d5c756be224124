import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z.string().url(),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).optional(),
  /** A workflow bundle built beforehand (bundleWorkflows): the worker skips bundling at start, and its memory peak. */
  JIGI_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** This worker's Prometheus /metrics port (the Temporal SDK's exporter takes the next one, on loopback); unset, no metrics. */
  JIGI_METRICS_PORT: z.coerce.number().int().min(1).max(65534).optional(),
  /** `json`: one JSON object a line for a log collector; `text`: `[worker] message`, for a terminal. */
  JIGI_LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  /** On SIGTERM, how long activities in flight may finish before they are cancelled and handed back to another worker. */
  JIGI_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(20),
});

export type WorkerEnv = z.infer<typeof schema>;
/** Every variable the worker reads by a fixed name (agency credentials are named by their rows). */
export const WORKER_ENV_VARIABLES = Object.keys(schema.shape);

/** The worker's only reader of process.env: a bad variable stops the start with its name. */
export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid worker configuration: ${issues}`);
  }
  return parsed.data;
}

/** Payment agencies' credentials, by the name each agency's row gives (the secret itself never reaches the database). */
export function readAgencyCredential(credentialRef: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[credentialRef];
}
