import { z } from 'zod';

const schema = z.object({
  DATABASE_URL: z.string().url(),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).optional(),
  /** A workflow bundle built beforehand (bundleWorkflows): the worker skips bundling at start, and its memory peak. */
  JIGI_WORKFLOW_BUNDLE: z.string().min(1).optional(),
});

export type WorkerEnv = z.infer<typeof schema>;

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
