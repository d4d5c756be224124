// Over a thousand malformed requests at every operation of the OpenAPI document, generated from a
// seeded PRNG (FUZZ_SEED=<n> replays a run): none may answer 5xx, every refusal has the one error
// shape, and no table gains or loses a row.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleWorkflowId } from '../../domain/ids';
import { NATIONAL, ROLES } from '../../domain/roles';
import { callApi, signIn, type ApiAnswer, type ApiSession } from '../../scripts/api-session';
import { fillPath, minimalValid, operationsOf, resolve, UNKNOWN_ID, type JsonSchema, type OpenApiDocument, type Operation } from '../support/route-table';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { createUser } from '../support/users';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const MIN_REQUESTS = 1000;
const IN_FLIGHT = 8;
const MAX_BODY = 64 * 1024;
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  const some = <T>(items: readonly T[], n: number): T[] => shuffle([...items]).slice(0, n);
  function shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
  return { next, int, pick, some, shuffle };
}
type Rng = ReturnType<typeof prng>;

/** Who sends it: the all-roles user, nobody, or the all-roles user's cookie with a forged CSRF token. */
type Sender = 'user' | 'anonymous' | 'forged-csrf';

interface FuzzCase {
  what: string;
  method: string;
  /** Sent as it is, without normalisation: may hold %-escapes, dot segments, raw bytes. */
  path: string;
  contentType?: string;
  body?: string | Buffer;
  /** Streamed without a content-length, so the size limit must count as it reads. */
  chunked?: boolean;
  as: Sender;
  /** The one status the case must get; otherwise anything below 500. */
  status?: number | number[];
}

const SQL = ["' OR 1=1 --", "'; drop table cycles; --", '1; select pg_sleep(5)', "\\'; truncate audit_log; --"];
const SCRIPT = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)'];
const ODD_STRINGS = ['', ' ', '\u0000', 'nul\u0000inside', '\u202eevil', '😀🇲🇱', 'ß'.repeat(300), '../../etc/passwd', '${7*7}{{7*7}}', '%00', '\ud800'];
const INJECTIONS = [...SQL, ...SCRIPT, ...ODD_STRINGS];

/** The JSON types a schema accepts: its type, or those of its union's branches (a nullable number: number and null). */
function typesOf(schema: JsonSchema): string[] {
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return union.flatMap(typesOf);
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** Values of the wrong JSON type for a node of these schema types. */
function wrongTypes(types: readonly string[]): unknown[] {
  const all: Record<string, unknown[]> = {
    string: ['x', '90000', '', 'true'],
    number: [42, -1, 0, 1.5, 1e308, -1e308],
    boolean: [true, false],
    null: [null],
    array: [[], ['x'], [1, 2, 3], [[[]]]],
    object: [{}, { $gt: '' }, { toString: 1 }],
  };
  const own = types.map((type) => (type === 'integer' ? 'number' : type));
  // A float is the wrong type for an integer, too.
  const extra = types.includes('integer') && !types.includes('number') ? [1.5, 2 ** 60, -0.0001] : [];
  return [...Object.entries(all).filter(([t]) => !own.includes(t)).flatMap(([, values]) => values), ...extra];
}

interface Node {
  path: Array<string | number>;
  schema: JsonSchema;
  /** Whether removing this node leaves the parent without a required property. */
  required: boolean;
}

/** Every node of a valid value together with the schema it was built from. */
function nodesOf(doc: OpenApiDocument, schemaOrRef: JsonSchema, value: unknown, path: Array<string | number> = [], required = true): Node[] {
  let schema = resolve(doc, schemaOrRef);
  const union = schema.oneOf ?? schema.anyOf;
  if (union?.length) schema = resolve(doc, union[0]!);
  const nodes: Node[] = [{ path, schema, required }];
  if (Array.isArray(value)) value.forEach((item, i) => nodes.push(...nodesOf(doc, schema.items ?? {}, item, [...path, i], (schema.minItems ?? 0) > i)));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) nodes.push(...nodesOf(doc, schema.properties?.[key] ?? {}, child, [...path, key], schema.required?.includes(key) ?? false));
  }
  return nodes;
}

function getAt(value: unknown, path: Array<string | number>): unknown {
  return path.reduce<unknown>((v, key) => (v as Record<string | number, unknown>)[key], value);
}

function setAt(value: unknown, path: Array<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[path.at(-1)!] = replacement;
  return copy;
}

function deleteAt(value: unknown, path: Array<string | number>): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  if (Array.isArray(parent)) parent.splice(Number(path.at(-1)), 1);
  else delete parent[path.at(-1)!];
  return copy;
}

const where = (path: Array<string | number>) => (path.length ? path.join('.') : 'body');

/** Bodies that are not JSON, or not JSON that any schema here takes. */
function badJson(valid: string, rng: Rng): Array<[string, string | Buffer]> {
  const depth = rng.int(10_000, 12_000);
  return [
    ['truncated JSON', valid.slice(0, rng.int(1, valid.length - 1))],
    ['trailing garbage', `${valid}garbage`],
    ['two documents', `${valid}${valid}`],
    ['missing value', '{"a":}'],
    ['NaN', '{"a": NaN}'],
    ['bare NaN', 'NaN'],
    ['Infinity', '{"a": Infinity}'],
    ['single quotes', "{'a': 1}"],
    ['comment', `/* c */ ${valid}`],
    ['empty body', ''],
    ['whitespace only', ' \n\t '],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d])],
    [`${depth} nested arrays`, `${'['.repeat(depth)}${']'.repeat(depth)}`],
    ['5000 nested objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
    ['prototype pollution', `{"__proto__": {"admin": true}, "constructor": {"prototype": {"admin": true}}}`],
    ['duplicate keys', valid.replace(/^\{/, '{"x":1,"x":2,')],
    ['null', 'null'],
    ['array', '[]'],
    ['string', '"hello"'],
    ['number', '12345678901234567890'],
    ['boolean', 'true'],
  ];
}

/** Any JSON value, nested a few levels. */
function randomJson(rng: Rng, depth = 0): unknown {
  const kind = rng.int(0, depth > 2 ? 4 : 6);
  if (kind === 0) return null;
  if (kind === 1) return rng.next() < 0.5;
  if (kind === 2) return rng.pick([0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e21, rng.int(-1e9, 1e9)]);
  if (kind === 3) return rng.pick([...INJECTIONS, 'x'.repeat(rng.int(0, 3000))]);
  if (kind === 4) return String.fromCharCode(...Array.from({ length: rng.int(0, 40) }, () => rng.int(1, 0xd7ff)));
  if (kind === 5) return Array.from({ length: rng.int(0, 5) }, () => randomJson(rng, depth + 1));
  return Object.fromEntries(Array.from({ length: rng.int(0, 5) }, () => [rng.pick(['a', 'level', 'roles', '__proto__', 'constructor', '']), randomJson(rng, depth + 1)]));
}

/** An object with some of the schema's own keys, holding anything. */
function randomBody(rng: Rng, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(rng.some(keys, rng.int(0, keys.length)).map((key) => [key, randomJson(rng)]));
}

/** A path parameter that points nowhere real: traversal, encodings, bytes, sizes. */
const PATH_TRICKS: Array<[string, string]> = [
  ['encoded traversal', '..%2F..%2Fetc%2Fpasswd'],
  ['double-encoded traversal', '..%252F..%252Fetc%252Fpasswd'],
  ['dot-dot', '..'],
  ['dot', '.'],
  ['raw traversal', '../../etc/passwd'],
  ['encoded dot segments', '%2e%2e%2f%2e%2e'],
  ['NUL', '%00'],
  ['id with NUL', `${UNKNOWN_ID}%00`],
  ['id with newline', `${UNKNOWN_ID}%0A`],
  ['id with CRLF header injection', `${UNKNOWN_ID}%0D%0ASet-Cookie:%20x=1`],
  ['upper-case id', UNKNOWN_ID.toUpperCase()],
  ['nil id', '00000000-0000-0000-0000-000000000000'],
  ['id in braces', `%7B${UNKNOWN_ID}%7D`],
  ['id without dashes', UNKNOWN_ID.replace(/-/g, '')],
  ['lone percent', '%'],
  ['bad escape', '%ZZ'],
  ['cut UTF-8 escape', '%E0%A4%A'],
  ['overlong UTF-8 dots', '%C0%AE%C0%AE%2F'],
  ['invalid UTF-8 escape', '%FF%FE'],
  ['unicode', encodeURIComponent('مالي-😀-ß-\u202e')],
  ['1,000-char id', 'a'.repeat(1000)],
  ['8,000-char id', '9'.repeat(8000)],
  ['SQL', encodeURIComponent("' OR 1=1 --")],
  ['SQL drop', encodeURIComponent("'; drop table cycles; --")],
  ['script', encodeURIComponent('<script>alert(1)</script>')],
  ['negative number', '-1'],
  ['zero', '0'],
  ['NaN', 'NaN'],
  ['null', 'null'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['empty', ''],
  ['spaces', '%20%20'],
  ['JSON', encodeURIComponent('{"$ne":null}')],
];

const QUERY_VALUES: string[] = [
  '',
  ' ',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e309',
  '99999999999999999999',
  '9223372036854775808',
  'NaN',
  'Infinity',
  'true',
  'null',
  '[]',
  '{}',
  ...SQL,
  ...SCRIPT,
  '\u0000',
  'a\u0000b',
  'مالي😀',
  'x'.repeat(5000),
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '2021-13-01T00:00:00Z',
  '2021-02-29T00:00:00Z',
  '2020-02-29T24:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '2021-06-01T00:00:00+25:00',
  '2021-06-01',
  'yesterday',
];
const RAW_QUERIES = ['a=%', 'a=%ZZ', 'a=%E0%A4%A', 'actor=%FF%FE', '&&&', '=', '==x', '?', 'actor[]=x', 'actor[$ne]=1', 'limit=1&limit=2', 'before=1&before=x', '__proto__[admin]=1', 'constructor=1', 'limit', 'limit=', 'unknown=1', 'actor=a&actor=b&actor=c'];

/** Requests whose valid form would change something: every fuzz body sent to them must be invalid. */
const writesWhenValid = (op: Operation) => op.method === 'POST' && op.pathParams.length === 0;

function generate(doc: OpenApiDocument, operations: Operation[], rng: Rng): FuzzCase[] {
  const cases: FuzzCase[] = [];
  /**
   * Each case goes out as the all-roles user, whose `status` it names; a fifth of them also go out
   * anonymously. Signing out would end the fuzzing session: that route only sees callers it refuses.
   */
  const add = (op: Operation, c: Omit<FuzzCase, 'as'>) => {
    const signOut = op.path === '/api/auth/logout';
    const forged = signOut && UNSAFE.includes(c.method) && c.status !== 413;
    cases.push({ ...c, as: signOut ? 'forged-csrf' : 'user', status: forged ? 403 : c.status });
    if (rng.next() < 0.2) {
      const kept = c.status === 413 || c.what.startsWith('method ') ? c.status : undefined;
      cases.push({ ...c, what: `${c.what} (anonymous)`, as: 'anonymous', status: kept });
    }
  };
  const json = (value: unknown) => JSON.stringify(value);
  let serial = 0;

  for (const op of operations) {
    const path = fillPath(op);

    if (op.bodySchema) {
      const valid = minimalValid(doc, op.bodySchema, `fuzz-${SEED}-${++serial}`);
      const send = (what: string, body: unknown) => {
        add(op, { what, method: op.method, path, contentType: 'application/json', body: json(body), status: 400 });
      };
      for (const node of nodesOf(doc, op.bodySchema, valid)) {
        const at = where(node.path);
        const { type } = node.schema;
        for (const wrong of wrongTypes(typesOf(node.schema))) send(`${at}: wrong type ${json(wrong)}`, setAt(valid, node.path, wrong));
        if (node.path.length && node.required) send(`${at}: missing`, deleteAt(valid, node.path));
        if (node.schema.enum) send(`${at}: not one of the values`, setAt(valid, node.path, `not-${String(node.schema.enum[0])}`));
        if (type === 'array') {
          if (node.schema.minItems) send(`${at}: empty array`, setAt(valid, node.path, []));
          const first = (getAt(valid, node.path) as unknown[])[0];
          const tooMany = node.schema.maxItems === undefined ? (node.schema.minItems ?? 1) + 50 : node.schema.maxItems + 1;
          if (first !== undefined) send(`${at}: too many items`, setAt(valid, node.path, Array.from({ length: tooMany }, () => first)));
        }
        if (type === 'object' && node.schema.additionalProperties === false) {
          send(`${at}: unknown field`, setAt(valid, [...node.path, 'unexpected'], 'x'));
          send(`${at}: unknown field isAdmin`, setAt(valid, [...node.path, 'isAdmin'], true));
        }
        if (type === 'string' && (node.schema.maxLength !== undefined || node.schema.pattern)) {
          send(`${at}: huge string`, setAt(valid, node.path, 'x'.repeat(rng.int(10_000, 60_000))));
          const size = rng.int(70_000, 200_000);
          add(op, { what: `${at}: ${size}-char string`, method: op.method, path, contentType: 'application/json', body: json(setAt(valid, node.path, 'y'.repeat(size))), status: 413 });
        }
        if (type === 'string') {
          for (const payload of INJECTIONS) {
            const body = setAt(valid, node.path, payload);
            // Where a valid body would write, the payload rides along with an unknown field.
            const sent = writesWhenValid(op) ? setAt(body, ['__fuzz'], true) : body;
            add(op, { what: `${at}: payload ${json(payload)}`, method: op.method, path, contentType: 'application/json', body: json(sent), status: writesWhenValid(op) ? 400 : undefined });
          }
        }
      }
      for (let i = 0; i < 8; i++) {
        const random = randomBody(rng, Object.keys(op.bodySchema.properties ?? {}));
        add(op, { what: `random body #${i}`, method: op.method, path, contentType: 'application/json', body: json(writesWhenValid(op) ? { ...random, __fuzz: true } : random), status: writesWhenValid(op) ? 400 : undefined });
      }
      for (const [what, body] of badJson(json(valid), rng)) {
        add(op, { what: `bad JSON: ${what}`, method: op.method, path, contentType: 'application/json', body, status: 400 });
      }
      for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', undefined, 'application/jsonx', 'json']) {
        add(op, { what: `content-type ${contentType ?? '(none)'}`, method: op.method, path, contentType, body: contentType?.includes('form') ? 'a=1&b=2' : json(valid) });
      }
      const padded = json(setAt(valid, ['padding'], 'z'.repeat(MAX_BODY + rng.int(1, 100_000))));
      add(op, { what: 'body over 64 KiB', method: op.method, path, contentType: 'application/json', body: padded, status: 413 });
      add(op, { what: 'body over 64 KiB, chunked', method: op.method, path, contentType: 'application/json', body: padded, chunked: true, status: 413 });
      add(op, { what: '20,000-item array', method: op.method, path, contentType: 'application/json', body: json(Array.from({ length: 20_000 }, (_, i) => i)), status: 413 });
    } else if (op.method !== 'GET') {
      // Operations without a body get one anyway.
      add(op, { what: 'unexpected JSON body', method: op.method, path, contentType: 'application/json', body: '{"a":1}' });
      add(op, { what: 'unexpected bad JSON body', method: op.method, path, contentType: 'application/json', body: '{"a":' });
      // A file upload takes large bodies by design; it still must not fail on this one.
      add(op, { what: 'body over 64 KiB', method: op.method, path, contentType: 'application/json', body: json({ z: 'z'.repeat(MAX_BODY) }), status: op.takesFile ? undefined : 413 });
    }

    const validBody = op.bodySchema ? json(minimalValid(doc, op.bodySchema, `fuzz-${SEED}-${++serial}`)) : undefined;
    for (const param of op.pathParams) {
      for (const [what, trick] of PATH_TRICKS) {
        add(op, { what: `{${param.name}}: ${what}`, method: op.method, path: fillPath(op, { [param.name]: trick }), contentType: validBody && 'application/json', body: validBody });
      }
    }

    if (op.method === 'GET') {
      // Audit exports are themselves audited: every export here carries one invalid filter.
      const suffix = op.path.endsWith('export.csv') ? '&from=not-a-date' : '';
      const names = op.queryParams.length ? op.queryParams.map((p) => p.name) : ['q'];
      for (const name of names) {
        for (const value of op.queryParams.length ? QUERY_VALUES : rng.some(QUERY_VALUES, 3)) {
          add(op, { what: `?${name}=${json(value).slice(0, 40)}`, method: 'GET', path: `${path}?${encodeURIComponent(name)}=${encodeURIComponent(value)}${suffix}` });
        }
      }
      for (const raw of op.queryParams.length ? RAW_QUERIES : rng.some(RAW_QUERIES, 3)) {
        add(op, { what: `?${raw}`, method: 'GET', path: `${path}?${raw}${suffix}` });
      }
    }
  }

  // Methods a path does not have.
  const byPath = new Map<string, Operation[]>();
  for (const op of operations) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  for (const [, ops] of byPath) {
    const has = new Set(ops.map((o) => o.method));
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'].filter((m) => !has.has(m))) {
      const op = ops[0]!;
      add(op, { what: `method ${method}`, method, path: fillPath(op), contentType: method === 'GET' ? undefined : 'application/json', body: method === 'GET' ? undefined : '{}', status: [404, 405] });
    }
  }
  return cases;
}

/** Every case, in an order of the seed's choosing. */
function rngCases(doc: OpenApiDocument, operations: Operation[]): FuzzCase[] {
  const rng = prng(SEED);
  return rng.shuffle(generate(doc, operations, rng));
}

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** One raw HTTP request on a connection of its own: the path and bytes go out exactly as given. */
function sendRaw(port: number, c: FuzzCase, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const body = c.body === undefined ? undefined : Buffer.isBuffer(c.body) ? c.body : Buffer.from(c.body, 'utf8');
    const all: Record<string, string> = { ...headers };
    if (c.contentType) all['content-type'] = c.contentType;
    if (body && !c.chunked) all['content-length'] = String(body.length);
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, method: c.method, path: c.path, headers: all, agent: false, timeout: 15_000 }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    // The server may answer a too-large body before reading it all, then close: that is fine.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    if (body && c.chunked) {
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.subarray(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

/** What is wrong with this answer, or null. */
function problemWith(c: FuzzCase, answer: Answer): string | null {
  if (answer.status >= 500) return `server error ${answer.status}`;
  const allowed = c.status === undefined ? null : Array.isArray(c.status) ? c.status : [c.status];
  if (allowed && !allowed.includes(answer.status)) return `expected ${allowed.join(' or ')}, got ${answer.status}`;
  if (answer.status >= 400) {
    let parsed: { error?: { code?: unknown; message?: unknown } } | null = null;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      return `error answer is not JSON (${answer.contentType})`;
    }
    if (typeof parsed?.error?.code !== 'string' || typeof parsed.error.message !== 'string') return 'error answer lacks {error:{code,message}}';
  }
  return null;
}

/** Runs `run` over the items with at most `limit` in flight. */
async function inBatches<T>(items: T[], limit: number, run: (item: T, index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await run(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

let stack: TestStack;
let base: string;
let user: ApiSession;
let userId: string;

beforeAll(async () => {
  stack = await startTestStack('fuzz');
  base = (await stack.startApi()).url;
  const all = await createUser(stack.database, [...ROLES], NATIONAL, 'fuzz-all-roles');
  user = await signIn(base, all.username, all.password, all.totpSecret ?? undefined);
  userId = all.id;
});
afterAll(() => stack?.stop());

/** Rows in every table of the public schema. */
async function rowCounts(): Promise<Record<string, number>> {
  const { sql } = stack.database;
  const tables = await sql<{ name: string }[]>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`;
  const counts: Record<string, number> = {};
  for (const { name } of tables) counts[name] = (await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${name}"`))[0]!.n;
  return counts;
}

describe('malformed requests', () => {
  it(`never crash the API, always answer in the error shape and change no data (seed ${SEED})`, async () => {
    const doc = (await callApi(base, 'GET', '/api/openapi.json')).body as OpenApiDocument;
    const operations = operationsOf(doc);
    const cases = rngCases(doc, operations);
    const by = (sender: Sender) => cases.filter((c) => c.as === sender).length;
    process.stdout.write(
      `[fuzz] seed ${SEED} (rerun with FUZZ_SEED=${SEED}): ${cases.length} requests to ${operations.length} operations, ` +
        `${by('user')} as the all-roles user, ${by('anonymous')} anonymous, ${by('forged-csrf')} with a forged CSRF token\n`,
    );
    expect(cases.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const port = Number(new URL(base).port);
    const before = await rowCounts();
    expect(Object.keys(before).length).toBeGreaterThan(5);

    const problems: string[] = [];
    await inBatches(cases, IN_FLIGHT, async (c, index) => {
      // Names the case in the server's own logs.
      const headers: Record<string, string> = { 'x-fuzz-case': String(index) };
      if (c.as !== 'anonymous') headers.cookie = user.cookie;
      if (c.as === 'user') headers['x-csrf-token'] = user.csrfToken;
      if (c.as === 'forged-csrf') headers['x-csrf-token'] = 'forged';
      const preview = c.body === undefined ? '' : ` body ${Buffer.byteLength(c.body)} B: ${String(c.body).slice(0, 120)}`;
      try {
        const answer = await sendRaw(port, c, headers);
        const problem = problemWith(c, answer);
        if (problem) problems.push(`${problem} | ${c.what} | ${c.as} ${c.method} ${c.path.slice(0, 160)}${preview} → ${answer.text.slice(0, 300)}`);
      } catch (err) {
        problems.push(`no answer (${(err as Error).message}) | ${c.what} | ${c.as} ${c.method} ${c.path.slice(0, 160)}${preview}`);
      }
    });

    expect.soft(problems, `seed ${SEED}: ${problems.length} of ${cases.length} requests answered wrongly`).toEqual([]);
    expect.soft(await rowCounts(), `seed ${SEED}: malformed requests changed data`).toEqual(before);
    // The fuzzing session itself survived: the logout route only saw callers it had to refuse.
    expect.soft((await user.call('GET', '/api/auth/me')).status).toBe(200);
  });
});

/** The answer, or 'no answer' when it takes longer than `ms`: a request stuck behind a workflow. */
async function within(ms: number, answer: Promise<ApiAnswer>): Promise<ApiAnswer | 'no answer'> {
  answer.catch(() => {}); // Still pending when the server closes at the end.
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'no answer'>((resolveLate) => (timer = setTimeout(() => resolveLate('no answer'), ms)));
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

const statusOf = (answer: ApiAnswer | 'no answer') => (answer === 'no answer' ? answer : answer.status);

describe('text Postgres cannot store', () => {
  it('a NUL byte or the year 0 is refused with 400: no 500, no stuck cycle, no failed sign-in recorded', async () => {
    const created = await user.call('POST', '/api/cycles', demoCycleInput());
    expect(created.status).toBe(201);
    const id = created.body.cycle.id as string;
    await expect.poll(async () => (await user.call('GET', `/api/cycles/${id}`)).body.cycle.currentPhase).toBe('training');
    const counted = async () => {
      const all = await rowCounts();
      return { users: all.users, cycles: all.cycles, login_failures: all.login_failures, service_tokens: all.service_tokens };
    };
    const before = await counted();

    const refused: Array<[string, () => Promise<ApiAnswer>, number[]]> = [
      ['sign-in with a NUL in the username', () => callApi(base, 'POST', '/api/auth/login', { username: 'nul\u0000user', password: 'irrelevant-password' }), [400]],
      ['cycle named with a NUL', () => user.call('POST', '/api/cycles', demoCycleInput('Cycle\u0000nul')), [400]],
      ['cycle described with a NUL', () => user.call('POST', '/api/cycles', { ...demoCycleInput(), description: 'a\u0000b' }), [400]],
      ['user displayed with a NUL', () => user.call('POST', '/api/admin/users', { username: 'nul-probe', displayName: 'Nul\u0000Probe', password: 'a-long-password-123', roles: ['auditor'], area: { level: 'national' } }), [400]],
      ['user renamed with a NUL', () => user.call('PATCH', `/api/admin/users/${userId}`, { displayName: 'Nul\u0000Probe' }), [400]],
      ['audit filtered by a NUL actor', () => user.call('GET', '/api/audit?actor=%00'), [200, 400]],
      ['audit filtered by a NUL target', () => user.call('GET', '/api/audit?targetId=a%00b'), [200, 400]],
      ['audit from the year 0', () => user.call('GET', '/api/audit?from=0000-01-01T00:00:00Z'), [200, 400]],
      ['audit up to the year 0', () => user.call('GET', '/api/audit?to=0000-12-31T23:59:59Z'), [200, 400]],
      ['pause reason with a NUL', () => user.call('POST', `/api/cycles/${id}/pause`, { reason: 'Pause\u0000nul' }), [400]],
      ['cancel reason with a NUL', () => user.call('POST', `/api/cycles/${id}/cancel`, { reason: 'Annulé\u0000' }), [400]],
      ['phase comment with a NUL', () => user.call('POST', `/api/cycles/${id}/phases/training/complete`, { comment: 'Fait\u0000' }), [400]],
    ];
    try {
      const wrong: string[] = [];
      for (const [what, send, statuses] of refused) {
        const answer = await within(5_000, send());
        if (!statuses.includes(statusOf(answer) as number)) wrong.push(`${what}: expected ${statuses.join(' or ')}, got ${statusOf(answer)}${answer === 'no answer' ? '' : ` ${JSON.stringify(answer.body).slice(0, 200)}`}`);
      }
      expect.soft(wrong).toEqual([]);
      expect.soft(await counted(), 'rows written by refused requests').toEqual(before);

      // The cycle still takes a clean change at once.
      const pause = await within(10_000, user.call('POST', `/api/cycles/${id}/pause`, { reason: 'Saison des pluies' }));
      expect(statusOf(pause)).toBe(200);
    } finally {
      // A workflow stuck retrying what Postgres refuses would hold up the worker's shutdown.
      await stack.client.workflow.getHandle(cycleWorkflowId(id)).terminate('fuzz test over').catch(() => {});
    }
  });
});
