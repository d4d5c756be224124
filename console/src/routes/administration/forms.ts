import { ApiError } from '$lib/api/api-error';
import { ROLES, type Area, type Role } from '../../../../domain/roles';

/** The area inputs as typed: the region and commune stay while the level changes back and forth. */
export interface AreaDraft {
  level: Area['level'];
  region: string;
  commune: string;
}

export function draftOf(area: Area): AreaDraft {
  return { level: area.level, region: area.level === 'national' ? '' : area.region, commune: area.level === 'commune' ? area.commune : '' };
}

export function areaOf(draft: AreaDraft): Area {
  if (draft.level === 'national') return { level: 'national' };
  if (draft.level === 'region') return { level: 'region', region: draft.region.trim() };
  return { level: 'commune', region: draft.region.trim(), commune: draft.commune.trim() };
}

export function sameArea(a: Area, b: Area): boolean {
  return JSON.stringify(areaOf(draftOf(a))) === JSON.stringify(areaOf(draftOf(b)));
}

/** Roles in the order the program lists them, each once. */
export function orderedRoles(roles: readonly Role[]): Role[] {
  return ROLES.filter((role) => roles.includes(role));
}

export function sameRoles(a: readonly Role[], b: readonly Role[]): boolean {
  return orderedRoles(a).join() === orderedRoles(b).join();
}

/** A refused form: a message under each field the API named, and one for the form as a whole. */
export interface Refusal {
  fields: Record<string, string>;
  form: string;
}

interface RefusalMessages {
  /** What each field accepts, by the API's issue path ("username", "area.region"…). */
  fields: Record<string, string>;
  /** The field a 409 is about (a name already taken), and what to say under it. */
  conflict: { field: string; message: string };
  checkFields: string;
  /** Anything else: the API's own message, translated where the console knows it. */
  otherwise: (err: unknown) => string;
}

/**
 * Reads the API's 400 (details.issues, one per bad field, by path) and 409 (a unique name taken)
 * into messages shown next to the fields; what no field of the form explains is said for the form.
 */
export function refusalOf(err: unknown, messages: RefusalMessages): Refusal {
  if (!(err instanceof ApiError)) return { fields: {}, form: messages.otherwise(err) };
  if (err.status === 409 && err.code === 'conflict') {
    return { fields: { [messages.conflict.field]: messages.conflict.message }, form: messages.conflict.message };
  }
  const issues = issuesOf(err);
  if (err.status !== 400 || issues.length === 0) return { fields: {}, form: messages.otherwise(err) };
  const fields: Record<string, string> = {};
  const unexplained: string[] = [];
  for (const issue of issues) {
    const field = fieldOf(issue.path, messages.fields);
    if (field) fields[field] = messages.fields[field]!;
    else unexplained.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
  }
  return { fields, form: unexplained.length > 0 ? unexplained.join(' ; ') : messages.checkFields };
}

/** The form field an issue is about: "roles.1" is about "roles", "area.region" about itself. */
function fieldOf(path: string, fields: Record<string, string>): string | null {
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n -= 1) {
    const candidate = parts.slice(0, n).join('.');
    if (candidate in fields) return candidate;
  }
  return null;
}

function issuesOf(err: ApiError): { path: string; message: string }[] {
  const issues = (err.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues
    .filter((issue): issue is { path?: unknown; message: unknown } => typeof issue === 'object' && issue !== null)
    .map((issue) => ({ path: typeof issue.path === 'string' ? issue.path : '', message: String(issue.message) }));
}
