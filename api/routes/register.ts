import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import { stringify } from 'csv-stringify/sync';
import { and, asc, desc, eq, ilike, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditRow } from '../../db/audit';
import { auditLog, communes, households, registerImportErrors, registerImports, type HouseholdRow, type RegisterImportRow } from '../../db/schema';
import { isUuid, registerImportWorkflowId } from '../../domain/ids';
import { maskIdentifier } from '../../domain/personal-data';
import { authorize } from '../../domain/policy';
import { IMPORT_KINDS, REGISTER_FORMATS, RSU_ID_PATTERN } from '../../domain/register';
import type { Area, Principal } from '../../domain/roles';
import { WORKFLOW_TYPES } from '../../domain/temporal-names';
import { REGISTER_UPLOAD_PATH } from '../../domain/wire';
import type { registerImportWorkflow } from '../../workflows';
import { ApiError } from '../errors';
import { principalIn, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, line } from '../schemas';
import { validationHook } from '../validation';
import { guardedRoute, json } from './guard';

/** Register files are large: this route alone streams its body to disk, up to this size. */
export const MAX_REGISTER_FILE_BYTES = 2 * 1024 ** 3;
export { REGISTER_UPLOAD_PATH };

const ImportSchema = z
  .object({
    id: z.string(),
    fileName: z.string(),
    format: z.enum(REGISTER_FORMATS),
    kind: z.enum(IMPORT_KINDS),
    status: z.string(),
    bytesTotal: z.number().int(),
    rowsRead: z.number().int(),
    rowsAccepted: z.number().int(),
    rowsRejected: z.number().int(),
    rowsInserted: z.number().int(),
    rowsUpdated: z.number().int(),
    /** Possible duplicates the import brought into the review queue; null until they are looked for. */
    duplicatePairs: z.number().int().nullable(),
    failure: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
  })
  .openapi('RegisterImport');

export const HouseholdSchema = z
  .object({
    rsuId: z.string(),
    headName: z.string(),
    sex: z.enum(['F', 'M']),
    birthYear: z.number().int(),
    /** Masked ("•••• 4821") unless revealed. */
    nina: z.string().nullable(),
    phone: z.string().nullable(),
    communeCode: z.string(),
    regionCode: z.string(),
    village: z.string(),
    householdSize: z.number().int(),
    foodInsecure: z.boolean(),
    covidCase: z.boolean(),
    covidHit: z.boolean(),
    welfareScore: z.number().nullable(),
    /** Set when a duplicate review kept another record: this one is never targeted nor paid. */
    duplicateOf: z.string().nullable(),
  })
  .openapi('Household');

const UploadQuery = z
  .object({
    fileName: line().trim().min(1).max(200),
    format: z.enum(REGISTER_FORMATS),
    kind: z.enum(IMPORT_KINDS).default('initial'),
  })
  .strict();
const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
const RsuParam = z.object({ rsuId: z.string().openapi({ param: { name: 'rsuId', in: 'path' }, example: 'RSU-0000012345' }) });
const SearchQuery = z
  .object({
    commune: line().trim().max(20).optional(),
    q: line().trim().min(2).max(80).optional().openapi({ description: 'RSU id, or part of the head of household’s name' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const uploadImport = guardedRoute('register.import', {
  method: 'post',
  path: '/imports',
  tags: ['register'],
  summary: 'Upload a register file (CSV with a header line, or NDJSON) and start importing it',
  description: `The body is the file itself, streamed to disk (up to ${MAX_REGISTER_FILE_BYTES / 1024 ** 3} GiB). Rejected rows never stop the import; they go to the error report.`,
  request: {
    query: UploadQuery,
    body: {
      content: { 'text/csv': { schema: z.string().openapi({ format: 'binary' }) }, 'application/x-ndjson': { schema: z.string().openapi({ format: 'binary' }) } },
      required: true,
    },
  },
  responses: { 202: json(z.object({ import: ImportSchema }), 'Import started'), 400: json(ErrorSchema, 'Invalid query or empty file') },
});
const listImports = guardedRoute('register.read', { method: 'get', path: '/imports', tags: ['register'], summary: 'Register imports, newest first', responses: { 200: json(z.object({ imports: z.array(ImportSchema) }), 'Imports') } });
const getImport = guardedRoute('register.read', {
  method: 'get',
  path: '/imports/{id}',
  tags: ['register'],
  summary: 'One import with its counters',
  request: { params: IdParam },
  responses: { 200: json(z.object({ import: ImportSchema }), 'The import'), 404: json(ErrorSchema, 'Unknown import') },
});
const errorReport = guardedRoute('register.read', {
  method: 'get',
  path: '/imports/{id}/errors.csv',
  tags: ['register'],
  summary: 'The rows an import refused: row number, field, reason',
  request: { params: IdParam },
  responses: { 200: { content: { 'text/csv': { schema: z.string() } }, description: 'CSV error report' }, 404: json(ErrorSchema, 'Unknown import') },
});
const searchHouseholds = guardedRoute('register.read', {
  method: 'get',
  path: '/households',
  tags: ['register'],
  summary: 'Find households in your area; NINA and phone are masked',
  request: { query: SearchQuery },
  responses: { 200: json(z.object({ households: z.array(HouseholdSchema) }), 'Households'), 400: json(ErrorSchema, 'Invalid query') },
});
const revealHousehold = guardedRoute('personal-data.reveal', {
  method: 'post',
  path: '/households/{rsuId}/reveal',
  tags: ['register'],
  summary: "Show a household's NINA and phone number in full (the reveal is audited)",
  request: { params: RsuParam },
  responses: { 200: json(z.object({ household: HouseholdSchema }), 'Unmasked household'), 404: json(ErrorSchema, 'Unknown household in your area') },
});

function importView(r: RegisterImportRow): z.infer<typeof ImportSchema> {
  return {
    ...r,
    createdAt: r.createdAt.toISOString(),
    startedAt: r.startedAt?.toISOString() ?? null,
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

export function householdView(h: HouseholdRow & { regionCode: string }, reveal: boolean): z.infer<typeof HouseholdSchema> {
  return {
    rsuId: h.rsuId,
    headName: h.headName,
    sex: h.sex,
    birthYear: h.birthYear,
    nina: reveal ? h.nina : maskIdentifier(h.nina),
    phone: reveal ? h.phone : maskIdentifier(h.phone),
    communeCode: h.communeCode,
    regionCode: h.regionCode,
    village: h.village,
    householdSize: h.householdSize,
    foodInsecure: h.foodInsecure,
    covidCase: h.covidCase,
    covidHit: h.covidHit,
    welfareScore: h.welfareScore,
    duplicateOf: h.duplicateOf,
  };
}

/** Households a principal may see: a regional or commune user sees their own area only. */
function areaFilter(principal: Principal): SQL | undefined {
  const area: Area = principal.area;
  if (area.level === 'national') return undefined;
  if (area.level === 'region') return eq(communes.regionCode, area.region);
  return eq(households.communeCode, area.commune);
}

export interface RegisterRouteDeps {
  database: Database;
  temporal: Client;
  taskQueue: string;
  filesDir: string;
}

export function registerRoutes({ database, temporal, taskQueue, filesDir }: RegisterRouteDeps) {
  const { db } = database;
  const householdColumns = { household: households, regionCode: communes.regionCode };

  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(uploadImport, async (c) => {
      const query = c.req.valid('query');
      const by = actorContext(c, principalIn(c));
      const body = c.req.raw.body;
      if (!body) throw new ApiError(400, 'validation_failed', 'The request body must be the register file.');
      const id = crypto.randomUUID();
      const dir = join(filesDir, 'imports');
      const path = join(dir, `${id}.${query.format}`);
      await mkdir(dir, { recursive: true });
      await pipeline(Readable.fromWeb(body as unknown as WebReadableStream), createWriteStream(path));
      const { size } = await stat(path);
      if (size === 0) {
        await rm(path, { force: true });
        throw new ApiError(400, 'validation_failed', 'The register file is empty.');
      }
      const [row] = await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(registerImports)
          .values({ id, fileName: query.fileName, filePath: path, format: query.format, kind: query.kind, bytesTotal: size, createdBy: by.principal.username })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'register.import', targetType: 'register-import', targetId: id, after: { fileName: query.fileName, format: query.format, kind: query.kind, bytes: size } }));
        return inserted;
      });
      await temporal.workflow.start<typeof registerImportWorkflow>(WORKFLOW_TYPES.registerImport, {
        workflowId: registerImportWorkflowId(id),
        taskQueue,
        args: [{ importId: id }],
      });
      return c.json({ import: importView(row!) }, 202);
    })
    .openapi(listImports, async (c) => c.json({ imports: (await db.select().from(registerImports).orderBy(desc(registerImports.createdAt)).limit(200)).map(importView) }, 200))
    .openapi(getImport, async (c) => {
      const { id } = c.req.valid('param');
      const [row] = isUuid(id) ? await db.select().from(registerImports).where(eq(registerImports.id, id)) : [];
      if (!row) throw new ApiError(404, 'not_found', `No register import with id "${id}".`);
      return c.json({ import: importView(row) }, 200);
    })
    .openapi(errorReport, async (c) => {
      const { id } = c.req.valid('param');
      const [row] = isUuid(id) ? await db.select().from(registerImports).where(eq(registerImports.id, id)) : [];
      if (!row) throw new ApiError(404, 'not_found', `No register import with id "${id}".`);
      const errors = await db
        .select({ row: registerImportErrors.rowNumber, field: registerImportErrors.field, reason: registerImportErrors.reason })
        .from(registerImportErrors)
        .where(eq(registerImportErrors.importId, id))
        .orderBy(asc(registerImportErrors.rowNumber), asc(registerImportErrors.field));
      c.header('content-disposition', `attachment; filename="${row.fileName.replace(/[^\w.-]/g, '_')}-errors.csv"`);
      return c.body(stringify(errors, { header: true, columns: ['row', 'field', 'reason'] }), 200, { 'content-type': 'text/csv; charset=utf-8' });
    })
    .openapi(searchHouseholds, async (c) => {
      const { commune, q, limit } = c.req.valid('query');
      const principal = principalIn(c);
      const filters = [
        areaFilter(principal),
        commune ? eq(households.communeCode, commune.toUpperCase()) : undefined,
        q ? (RSU_ID_PATTERN.test(q) ? eq(households.rsuId, q) : ilike(households.headName, `%${q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`)) : undefined,
      ].filter((f): f is SQL => f !== undefined);
      const rows = await db
        .select(householdColumns)
        .from(households)
        .innerJoin(communes, eq(communes.code, households.communeCode))
        .where(filters.length ? and(...filters) : undefined)
        .orderBy(asc(households.rsuId))
        .limit(limit);
      return c.json({ households: rows.map((r) => householdView({ ...r.household, regionCode: r.regionCode }, false)) }, 200);
    })
    .openapi(revealHousehold, async (c) => {
      const { rsuId } = c.req.valid('param');
      const principal = principalIn(c);
      const [row] = await db.select(householdColumns).from(households).innerJoin(communes, eq(communes.code, households.communeCode)).where(eq(households.rsuId, rsuId));
      const area: Area | null = row ? { level: 'commune', region: row.regionCode, commune: row.household.communeCode } : null;
      // Outside the caller's area the household does not exist for them: same answer as unknown.
      if (!row || !area || !authorize(principal, 'personal-data.reveal', area).allowed) {
        throw new ApiError(404, 'not_found', `No household "${rsuId}" in your area.`);
      }
      await db.insert(auditLog).values(auditRow(actorContext(c, principal), { action: 'personal-data.reveal', targetType: 'household', targetId: rsuId }));
      return c.json({ household: householdView({ ...row.household, regionCode: row.regionCode }, true) }, 200);
    });
}

