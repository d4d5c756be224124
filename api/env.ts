import { z } from 'zod';
import { DEFAULT_GRIEVANCE_SETTINGS, GRIEVANCE_CATEGORIES, type GrievanceCategory, type GrievanceSettings } from '../domain/grievances';

const seconds = z.coerce.number().int().min(1).max(10 * 365 * 86_400);
/** `non-payment=604800,exclusion=2592000`: categories not named keep their default. */
const deadlines = z
  .string()
  .transform((value, ctx) => {
    const out: Partial<Record<GrievanceCategory, number>> = {};
    for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [name, raw] = part.split('=').map((p) => p.trim());
      const parsed = seconds.safeParse(raw);
      if (!(GRIEVANCE_CATEGORIES as readonly string[]).includes(name ?? '') || !parsed.success) {
        ctx.addIssue({ code: 'custom', message: `"${part}": expected category=seconds with a category among ${GRIEVANCE_CATEGORIES.join(', ')}` });
        return z.NEVER;
      }
      out[name as GrievanceCategory] = parsed.data;
    }
    return out;
  });

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
  /** Deadline per grievance category, in seconds, as `category=seconds,…`; unnamed categories keep their default. */
  JIGI_GRIEVANCE_DEADLINES: deadlines.optional(),
  /** How long after a decision a complainant may contest it, in seconds. */
  JIGI_GRIEVANCE_REOPEN_SECONDS: z.preprocess((v) => (v === '' ? undefined : v), seconds.optional()),
  /** `json`: one JSON object a line for a log collector; `text`: `[api] message`, for a terminal. */
  JIGI_LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  /** How many reverse proxies stand in front of the node (nginx: 1; a TLS load balancer before it: 2); their X-Forwarded-For/-Proto are believed. */
  JIGI_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  /** On SIGTERM, how long requests in flight may finish after the node stops taking new ones. */
  JIGI_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  /** The overview alerts on a region whose failed payments exceed this share of its settled ones (0–1). */
  JIGI_OVERVIEW_FAILED_SHARE: z.coerce.number().min(0).max(1).optional(),
});

export type ApiEnv = z.infer<typeof schema>;
/** Every variable the API reads: the deployment test checks each is documented and set. */
export const API_ENV_VARIABLES = Object.keys(schema.shape);

/** The API's only reader of process.env: a bad variable stops the start with its name. */
export function readApiEnv(env: NodeJS.ProcessEnv = process.env): ApiEnv {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid API configuration: ${issues}`);
  }
  return parsed.data;
}

/** The grievance settings new cases are filed with: the defaults, overridden by the environment. */
export function grievanceSettingsFrom(env: Pick<ApiEnv, 'JIGI_GRIEVANCE_DEADLINES' | 'JIGI_GRIEVANCE_REOPEN_SECONDS'>): GrievanceSettings {
  return {
    deadlineSeconds: { ...DEFAULT_GRIEVANCE_SETTINGS.deadlineSeconds, ...env.JIGI_GRIEVANCE_DEADLINES },
    reopenSeconds: env.JIGI_GRIEVANCE_REOPEN_SECONDS ?? DEFAULT_GRIEVANCE_SETTINGS.reopenSeconds,
  };
}
