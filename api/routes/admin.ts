import { OpenAPIHono, z } from '@hono/zod-openapi';
import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditRow } from '../../db/audit';
import { auditLog, communes, regions, serviceTokens, sessions as sessionsTable, users, type UserRow } from '../../db/schema';
import { ROLES } from '../../domain/roles';
import { hashPassword, randomToken, sha256 } from '../auth/secrets';
import { areaOf, type SessionStore } from '../auth/session-store';
import { ApiError } from '../errors';
import { principalIn, SERVICE_TOKEN_PREFIX, type AuthVariables } from '../middleware/auth';
import { actorContext } from '../request-context';
import { ErrorSchema, line } from '../schemas';
import { validationHook } from '../validation';
import { body, guardedRoute, json } from './guard';
import { isUuid } from '../../domain/ids';

/** A region or commune as the geography names it. */
const code = line().trim().min(1).max(64);

export const AreaInputSchema = z
  .discriminatedUnion('level', [
    z.object({ level: z.literal('national') }).strict(),
    z.object({ level: z.literal('region'), region: code }).strict(),
    z.object({ level: z.literal('commune'), region: code, commune: code }).strict(),
  ])
  .openapi('Area');

const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    roles: z.array(z.enum(ROLES)),
    area: AreaInputSchema,
    secondFactorEnrolled: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('User');

const rolesSchema = z.array(z.enum(ROLES)).min(1).max(ROLES.length).refine((r) => new Set(r).size === r.length, 'Each role appears once');

const CreateUserSchema = z
  .object({
    username: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2 to 64 letters, digits or . _ -'),
    displayName: line().trim().min(2).max(120),
    password: z.string().min(12, 'At least 12 characters').max(256),
    roles: rolesSchema,
    area: AreaInputSchema,
  })
  .strict()
  .openapi('CreateUser');

const UpdateUserSchema = z
  .object({ roles: rolesSchema.optional(), area: AreaInputSchema.optional(), disabled: z.boolean().optional(), displayName: line().trim().min(2).max(120).optional() })
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'Nothing to change')
  .openapi('UpdateUser');

const SessionSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    username: z.string(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    secondFactorDone: z.boolean(),
  })
  .openapi('Session');

const CreateTokenSchema = z
  .object({ name: z.string().trim().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2 to 64 letters, digits or . _ -'), roles: rolesSchema, area: AreaInputSchema })
  .strict()
  .openapi('CreateServiceToken');
const ServiceTokenSchema = z
  .object({ id: z.string(), name: z.string(), prefix: z.string(), roles: z.array(z.enum(ROLES)), area: AreaInputSchema, createdBy: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revoked: z.boolean() })
  .openapi('ServiceToken');

const IdParam = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' } }) });
const notFound = json(ErrorSchema, 'Unknown id');
const invalid = json(ErrorSchema, 'Invalid input');

const listUsers = guardedRoute('user.read', { method: 'get', path: '/users', tags: ['admin'], summary: 'Users with their roles and areas', responses: { 200: json(z.object({ users: z.array(UserSchema) }), 'Users') } });
const createUser = guardedRoute('user.manage', {
  method: 'post',
  path: '/users',
  tags: ['admin'],
  summary: 'Create a user',
  request: body(CreateUserSchema),
  responses: { 201: json(z.object({ user: UserSchema }), 'Created'), 400: invalid, 409: json(ErrorSchema, 'Username taken') },
});
const updateUser = guardedRoute('user.manage', {
  method: 'patch',
  path: '/users/{id}',
  tags: ['admin'],
  summary: "Change a user's roles, area or access; their sessions end and their live connections drop",
  request: { params: IdParam, ...body(UpdateUserSchema) },
  responses: { 200: json(z.object({ user: UserSchema }), 'Updated'), 400: invalid, 404: notFound },
});
const listSessions = guardedRoute('session.manage', { method: 'get', path: '/sessions', tags: ['admin'], summary: 'Open sessions', responses: { 200: json(z.object({ sessions: z.array(SessionSchema) }), 'Sessions') } });
const endSession = guardedRoute('session.manage', {
  method: 'delete',
  path: '/sessions/{id}',
  tags: ['admin'],
  summary: 'End a session; its live connections drop at once',
  request: { params: IdParam },
  responses: { 204: { description: 'Ended' }, 404: notFound },
});
const listTokens = guardedRoute('token.manage', { method: 'get', path: '/service-tokens', tags: ['admin'], summary: 'Service tokens (never the secrets)', responses: { 200: json(z.object({ tokens: z.array(ServiceTokenSchema) }), 'Tokens') } });
const createToken = guardedRoute('token.manage', {
  method: 'post',
  path: '/service-tokens',
  tags: ['admin'],
  summary: 'Create a service token for an integration; the secret is shown this once',
  request: body(CreateTokenSchema),
  responses: { 201: json(z.object({ token: ServiceTokenSchema, secret: z.string() }), 'Created'), 400: invalid, 409: json(ErrorSchema, 'Name taken') },
});
const revokeToken = guardedRoute('token.manage', {
  method: 'delete',
  path: '/service-tokens/{id}',
  tags: ['admin'],
  summary: 'Revoke a service token',
  request: { params: IdParam },
  responses: { 204: { description: 'Revoked' }, 404: notFound },
});

function userView(u: UserRow): z.infer<typeof UserSchema> {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    roles: u.roles,
    area: areaOf(u),
    secondFactorEnrolled: u.totpEnabledAt !== null,
    disabled: u.disabledAt !== null,
    createdAt: u.createdAt.toISOString(),
  };
}

function areaColumns(area: z.infer<typeof AreaInputSchema>) {
  return {
    areaLevel: area.level,
    areaRegion: area.level === 'national' ? null : area.region,
    areaCommune: area.level === 'commune' ? area.commune : null,
  };
}

/** An area must name a region and commune of the geography, the commune inside that region. */
async function requireKnownArea(database: Database, area: z.infer<typeof AreaInputSchema>) {
  if (area.level === 'national') return;
  const [region] = await database.db.select({ code: regions.code }).from(regions).where(eq(regions.code, area.region));
  if (!region) throw new ApiError(400, 'validation_failed', `Unknown region "${area.region}".`, { issues: [{ path: 'area.region', message: 'Unknown region code' }] });
  if (area.level === 'commune') {
    const [commune] = await database.db.select({ region: communes.regionCode }).from(communes).where(eq(communes.code, area.commune));
    if (commune?.region !== area.region) {
      throw new ApiError(400, 'validation_failed', `No commune "${area.commune}" in region "${area.region}".`, { issues: [{ path: 'area.commune', message: 'Unknown commune in this region' }] });
    }
  }
}

function requireId(id: string, what: string) {
  if (!isUuid(id)) throw new ApiError(404, 'not_found', `No ${what} with id "${id}".`);
}

export function adminRoutes({ database, sessions }: { database: Database; sessions: SessionStore }) {
  const { db } = database;
  return new OpenAPIHono<{ Variables: AuthVariables }>({ defaultHook: validationHook })
    .openapi(listUsers, async (c) => c.json({ users: (await db.select().from(users).orderBy(users.username)).map(userView) }, 200))
    .openapi(createUser, async (c) => {
      const input = c.req.valid('json');
      const by = actorContext(c, principalIn(c));
      await requireKnownArea(database, input.area);
      const passwordHash = await hashPassword(input.password);
      const user = await db.transaction(async (tx) => {
        const [row] = await tx
          .insert(users)
          .values({ username: input.username, displayName: input.displayName, passwordHash, roles: input.roles, ...areaColumns(input.area), mustChangePassword: true })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'user.create', targetType: 'user', targetId: row!.id, after: userView(row!) }));
        return row!;
      });
      return c.json({ user: userView(user) }, 201);
    })
    .openapi(updateUser, async (c) => {
      const { id } = c.req.valid('param');
      requireId(id, 'user');
      const change = c.req.valid('json');
      const by = actorContext(c, principalIn(c));
      if (change.area) await requireKnownArea(database, change.area);
      const updated = await db.transaction(async (tx) => {
        const [before] = await tx.select().from(users).where(eq(users.id, id)).for('update');
        if (!before) throw new ApiError(404, 'not_found', `No user with id "${id}".`);
        const [after] = await tx
          .update(users)
          .set({
            ...(change.roles ? { roles: change.roles } : {}),
            ...(change.area ? areaColumns(change.area) : {}),
            ...(change.displayName ? { displayName: change.displayName } : {}),
            ...(change.disabled === undefined ? {} : { disabledAt: change.disabled ? new Date() : null }),
            updatedAt: new Date(),
          })
          .where(eq(users.id, id))
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'user.update', targetType: 'user', targetId: id, before: userView(before), after: userView(after!) }));
        // What a user may see changed: their sessions end and their sockets drop on every node.
        if (change.roles || change.area || change.disabled) await sessions.revokeAllForUser(id, 'access changed', tx);
        return after!;
      });
      return c.json({ user: userView(updated) }, 200);
    })
    .openapi(listSessions, async (c) => {
      const rows = await db
        .select({ session: sessionsTable, username: users.username })
        .from(sessionsTable)
        .innerJoin(users, eq(users.id, sessionsTable.userId))
        .where(and(isNull(sessionsTable.revokedAt), gt(sessionsTable.expiresAt, new Date())))
        .orderBy(desc(sessionsTable.lastSeenAt));
      return c.json(
        {
          sessions: rows.map(({ session: s, username }) => ({
            id: s.id,
            userId: s.userId,
            username,
            createdAt: s.createdAt.toISOString(),
            lastSeenAt: s.lastSeenAt.toISOString(),
            expiresAt: s.expiresAt.toISOString(),
            ip: s.ip,
            userAgent: s.userAgent,
            secondFactorDone: s.secondFactorAt !== null,
          })),
        },
        200,
      );
    })
    .openapi(endSession, async (c) => {
      const { id } = c.req.valid('param');
      requireId(id, 'session');
      const [session] = await db.select({ id: sessionsTable.id, userId: sessionsTable.userId }).from(sessionsTable).where(eq(sessionsTable.id, id));
      if (!session) throw new ApiError(404, 'not_found', `No session with id "${id}".`);
      await db.insert(auditLog).values(auditRow(actorContext(c, principalIn(c)), { action: 'session.end', targetType: 'session', targetId: id, after: { userId: session.userId } }));
      await sessions.revoke(id, 'ended by an administrator');
      return c.body(null, 204);
    })
    .openapi(listTokens, async (c) => {
      const rows = await db.select().from(serviceTokens).orderBy(serviceTokens.name);
      return c.json({ tokens: rows.map(tokenView) }, 200);
    })
    .openapi(createToken, async (c) => {
      const input = c.req.valid('json');
      await requireKnownArea(database, input.area);
      const secret = randomToken(SERVICE_TOKEN_PREFIX);
      const by = actorContext(c, principalIn(c));
      const row = await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(serviceTokens)
          .values({ name: input.name, prefix: secret.slice(0, 10), tokenHash: sha256(secret), roles: input.roles, ...areaColumns(input.area), createdBy: by.principal.username })
          .returning();
        await tx.insert(auditLog).values(auditRow(by, { action: 'service-token.create', targetType: 'service-token', targetId: created!.id, after: tokenView(created!) }));
        return created!;
      });
      return c.json({ token: tokenView(row), secret }, 201);
    })
    .openapi(revokeToken, async (c) => {
      const { id } = c.req.valid('param');
      requireId(id, 'service token');
      const by = actorContext(c, principalIn(c));
      await db.transaction(async (tx) => {
        const [row] = await tx.update(serviceTokens).set({ revokedAt: new Date() }).where(and(eq(serviceTokens.id, id), isNull(serviceTokens.revokedAt))).returning();
        if (!row) throw new ApiError(404, 'not_found', `No active service token with id "${id}".`);
        await tx.insert(auditLog).values(auditRow(by, { action: 'service-token.revoke', targetType: 'service-token', targetId: id }));
      });
      return c.body(null, 204);
    });
}

function tokenView(t: typeof serviceTokens.$inferSelect): z.infer<typeof ServiceTokenSchema> {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    roles: t.roles,
    area: areaOf(t),
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revoked: t.revokedAt !== null,
  };
}
