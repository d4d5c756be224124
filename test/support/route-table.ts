// The API's route table as its OpenAPI document states it, for tests that walk every operation
// (permission matrix, fuzzing): operations with their x-permission, path parameters and a
// minimal valid body built from each request schema.
import type { Client } from '@temporalio/client';
import { createApp } from '../../api/app';
import type { Database } from '../../db/client';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  example?: unknown;
  default?: unknown;
};

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

interface OperationObject {
  'x-permission'?: unknown;
  summary?: string;
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
}

export interface Operation {
  /** Upper case, as sent: GET, POST… */
  method: string;
  /** As the document writes it, with {params}. */
  path: string;
  permission: unknown;
  pathParams: Array<{ name: string; schema: JsonSchema }>;
  queryParams: Array<{ name: string; schema: JsonSchema }>;
  /** The JSON request body's schema, with references resolved at the top; null when the operation takes none. */
  bodySchema: JsonSchema | null;
  /** The operation takes a file (not JSON) as its body, so large bodies are expected. */
  takesFile: boolean;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation of the document, in the document's order. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = op.parameters ?? [];
      const schema = op.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        permission: op['x-permission'],
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        bodySchema: schema ? resolve(doc, schema) : null,
        takesFile: !schema && Object.keys(op.requestBody?.content ?? {}).length > 0,
      });
    }
  }
  return operations;
}

/**
 * The document the API serves, produced in-process from the same route table (no database or
 * Temporal is touched), so tests can generate their cases before any server runs.
 */
export async function localRouteTable(): Promise<{ doc: OpenApiDocument; served: string[] }> {
  const app = createApp({ database: { db: {} } as unknown as Database, temporal: {} as Client, taskQueue: 'route-table', filesDir: '/nonexistent' });
  const res = await app.request('/api/openapi.json');
  const doc = (await res.json()) as OpenApiDocument;
  // Hono's own list of handlers: what the API answers, whether or not the document knows it.
  const served = [...new Set(app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`))];
  return { doc, served };
}

export function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`Unresolvable $ref ${current.$ref}`);
    current = target;
  }
  return current;
}

/** A path parameter that names nothing that exists: a well-formed unknown id, a real phase name. */
export const UNKNOWN_ID = '00000000-0000-4000-8000-00000000dead';

export function pathValue(param: { name: string; schema: JsonSchema }): string {
  if (param.schema.enum?.length) return String(param.schema.enum[0]);
  return UNKNOWN_ID;
}

/** The path with each {param} replaced by `values[param]` (already URL-encoded) or a default that names nothing. */
export function fillPath(op: Operation, values: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name in values) return values[name]!;
    const param = op.pathParams.find((p) => p.name === name) ?? { name, schema: {} };
    return encodeURIComponent(pathValue(param));
  });
}

/**
 * The smallest body the schema accepts: required properties only (the first property when none is
 * required, so "something to change" rules pass), first enum value, first union branch, the
 * example or the lower bound of numbers. `unique` goes into free strings so two bodies differ.
 */
export function minimalValid(doc: OpenApiDocument, schemaOrRef: JsonSchema, unique: string): unknown {
  const schema = resolve(doc, schemaOrRef);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const union = schema.oneOf ?? schema.anyOf;
  if (union?.length) return minimalValid(doc, union[0]!, unique);
  if (schema.allOf?.length) return Object.assign({}, ...schema.allOf.map((s) => minimalValid(doc, s, unique)));
  // OpenAPI 3.1 writes a nullable value as a list of types: build the non-null one.
  switch (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const required = schema.required?.length ? schema.required : Object.keys(properties).slice(0, 1);
      return Object.fromEntries(required.map((key) => [key, minimalValid(doc, properties[key] ?? {}, `${unique}-${key}`.slice(0, 40))]));
    }
    case 'array': {
      const count = Math.max(schema.minItems ?? 0, 1);
      return Array.from({ length: count }, (_, i) => minimalValid(doc, schema.items ?? {}, `${unique}${i}`));
    }
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
      const high = schema.maximum ?? Number.MAX_SAFE_INTEGER;
      const example = typeof schema.example === 'number' ? schema.example : undefined;
      return example !== undefined && example >= low && example <= high ? example : low;
    }
    case 'boolean':
      return false;
    case 'string':
      return validString(schema, unique);
    default:
      return {};
  }
}

function validString(schema: JsonSchema, unique: string): string {
  if (schema.format === 'date-time') return new Date().toISOString();
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 256;
  const fit = (s: string) => s.padEnd(min, 'x').slice(0, max);
  const plain = fit(unique.toLowerCase().replace(/[^a-z0-9._-]/g, '-'));
  if (!schema.pattern) return plain;
  // Patterns are tried against a few shapes that common input rules accept.
  const pattern = toRegExp(schema.pattern);
  const candidates = [plain, fit(`a${plain}`), '123456', '2021-01-01', 'Kayes', fit('matrix')];
  return candidates.find((s) => pattern?.test(s) && s.length >= min && s.length <= max) ?? plain;
}

function toRegExp(pattern: string): RegExp | null {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return null;
  }
}
