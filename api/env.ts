import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().url(),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).optional(),
  /** The built console (SvelteKit static output) served at /; unset serves the API alone. */
  CONSOLE_DIR: z.string().min(1).optional(),
  /** Uploaded register files, until imported; must be the same path for the API and the workers. */
  JIGI_FILES_DIR: z.string().min(1).default('.data/files'),
  /** Comma-separated origins (scheme://host:port) allowed to open a live connection; default: this server on localhost. */
  ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v) => v?.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.url()).optional()),
  /** The first administrator's one-time password; generated and printed once when unset. */
  JIGI_ADMIN_PASSWORD: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(12).optional()),
});

export type ApiEnv = z.infer<typeof schema>;

/** The API's only reader of process.env: a bad variable stops the start with its name. */
export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid API configuration: ${issues}`);
  }
  return parsed.data;
}
