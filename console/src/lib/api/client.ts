import type { ClientResponse } from 'hono/client';
import { hc } from 'hono/client';
import { error, redirect } from '@sveltejs/kit';
import type { AppType } from '../../../../api/app';
import type { CycleDetail, CycleSummary } from '../../../../api/schemas';
import type { CycleState, Phase } from '../../../../domain/cycle';
import { CSRF_HEADER, REGISTER_UPLOAD_PATH } from '../../../../domain/wire';
import { session, signInHref } from '../session/session.svelte';
import { sessionEnded } from '../session/session-ended';
import { ApiError } from './api-error';
import type {
  AdminSession,
  AwpbForecastLine,
  AwpbForecastPlan,
  AdminUser,
  AuditFilters,
  AuditPage,
  CommuneList,
  CommuneListDetail,
  CreatedServiceToken,
  DuplicateDecision,
  DuplicatePage,
  DuplicatePair,
  DuplicateStatus,
  Enrolment,
  Household,
  ImportKind,
  ListDecision,
  ListsSummary,
  Me,
  NewProcurementCase,
  ProcurementAction,
  CorrectivePaymentProposal,
  GrievanceAction,
  GrievanceCase,
  GrievanceCaseDetail,
  GrievanceFigures,
  GrievanceFilters,
  HouseholdMatch,
  NewGrievance,
  ProcurementCase,
  ProcurementCaseDetail,
  ProcurementFigures,
  ProcurementGates,
  ProcurementInboxFilter,
  ProcurementManageAction,
  ProcurementPrepareAction,
  ProcurementReviewAction,
  ProcurementTemplate,
  ProcurementTemplateEdit,
  NewServiceToken,
  PaymentActionRequest,
  PaymentActionResult,
  PaymentFigures,
  PaymentList,
  PaymentsQueuePage,
  PaymentsQueueQuery,
  PendingPaymentAction,
  ReleaseSegment,
  NewUser,
  Overview,
  ReportTable,
  RegisterFormat,
  RegisterImport,
  ServiceToken,
  SuccessBody,
  TrainingOverview,
  Targeting,
  TargetingAreaQuery,
  TargetingExplanation,
  TargetingQuotas,
  TargetingRules,
  TargetingRun,
  UserChange,
  Workshop,
  WorkshopPlanInput,
  WorkshopReportInput,
} from './types';

type Fetch = typeof globalThis.fetch;

const REGISTER_CONTENT_TYPES: Record<RegisterFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson' };

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every change carries the session's CSRF token: a cross-site form cannot read it, so cannot send it. */
function withCsrfToken(fetch: Fetch): Fetch {
  return (input, init) => {
    const token = session.me?.csrfToken;
    if (!token || !UNSAFE_METHODS.has((init?.method ?? 'GET').toUpperCase())) return fetch(input, init);
    const headers = new Headers(init?.headers);
    headers.set(CSRF_HEADER, token);
    return fetch(input, { ...init, headers });
  };
}

/** The answers that mean "sign in (again)": no session, a second factor or a new password still due. */
export function isSessionEnded(err: unknown): err is ApiError {
  return (
    err instanceof ApiError &&
    err.status === 401 &&
    (err.code === 'unauthenticated' || err.code === 'second_factor_required' || err.code === 'password_change_required')
  );
}

/**
 * The one place an answer is read: a 2xx gives its typed body, anything else an ApiError carrying
 * the API's message and details; a request that never reached the server is a network ApiError.
 */
async function read<R extends ClientResponse<unknown, number, string>>(call: () => Promise<R>): Promise<SuccessBody<R>> {
  let response: Response;
  try {
    response = (await call()) as unknown as Response;
  } catch (cause) {
    throw new ApiError(0, 'network', cause instanceof Error ? cause.message : 'The server could not be reached.');
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) throw ApiError.fromBody(response.status, payload);
  return payload as SuccessBody<R>;
}

export interface OverviewQuery {
  year?: number;
  asOf?: string;
}

function overviewQuery(q: OverviewQuery): Record<string, string> {
  return { ...(q.year ? { year: String(q.year) } : {}), ...(q.asOf ? { asOf: q.asOf } : {}) };
}

/** The steering committee's report (PDF) or one of its tables (CSV) for the same query: plain links, the browser downloads them. */
export function reportHref(query: OverviewQuery, table?: ReportTable): string {
  const search = new URLSearchParams(overviewQuery(query)).toString();
  const path = table ? `/api/overview/report/tables/${table}` : '/api/overview/report.pdf';
  return search ? `${path}?${search}` : path;
}

/** Query values as the API reads them: absent rather than empty. */
function auditQuery(filters: AuditFilters, before?: number | null) {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(filters)) if (value) query[key] = value;
  if (before) query.before = String(before);
  return query;
}

/**
 * The API's routes through Hono's typed client (`AppType`). Load functions pass SvelteKit's `fetch`
 * and turn a lost session into a redirect (failLoad); elsewhere a lost session goes to sign-in at once.
 */
export function createApi(fetch?: Fetch) {
  const send = withCsrfToken(fetch ?? globalThis.fetch);
  const api = hc<AppType>('/', { fetch: send }).api;
  const { auth, audit, cycles, admin, register, duplicates, procurement, grievances } = api;
  const inLoad = fetch !== undefined;
  /** A guarded call: a 401 there means the session is gone. */
  const guarded = async <R extends ClientResponse<unknown, number, string>>(call: () => Promise<R>) => {
    try {
      return await read(call);
    } catch (err) {
      if (!inLoad && isSessionEnded(err)) void sessionEnded();
      throw err;
    }
  };
  const one = (cycleId: string) => ({ param: { cycleId } });
  /** A JSON call outside the typed client, read like every other. */
  const plain = <B>(method: string, path: string, json?: unknown) =>
    send(path, { method, ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }) }) as unknown as Promise<ClientResponse<B, 200, 'json'>>;
  const byId = (id: string) => ({ param: { id } });

  return {
    /** The session as it stands, also half-way through signing in. */
    async me(): Promise<Me> {
      return read(() => auth.me.$get());
    },
    async signIn(username: string, password: string): Promise<Me> {
      return read(() => auth.login.$post({ json: { username, password } }));
    },
    async enrolAuthenticator(): Promise<Enrolment> {
      return read(() => auth['second-factor'].enrol.$post());
    },
    async confirmSecondFactor(code: string): Promise<Me> {
      return read(() => auth['second-factor'].$post({ json: { code } }));
    },
    async changePassword(currentPassword: string, newPassword: string): Promise<Me> {
      return read(() => auth.password.$post({ json: { currentPassword, newPassword } }));
    },
    async signOut(): Promise<void> {
      await read(() => auth.logout.$post());
    },
    async listCycles(): Promise<CycleSummary[]> {
      return (await guarded(() => cycles.$get())).cycles;
    },
    async getCycle(cycleId: string): Promise<CycleDetail> {
      return (await guarded(() => cycles[':cycleId'].$get(one(cycleId)))).cycle;
    },
    async completePhase(cycleId: string, phase: Phase, comment?: string): Promise<CycleState> {
      const json = comment ? { comment } : {};
      return (await guarded(() => cycles[':cycleId'].phases[':phase'].complete.$post({ param: { cycleId, phase }, json }))).state;
    },
    async pause(cycleId: string, reason: string): Promise<CycleState> {
      return (await guarded(() => cycles[':cycleId'].pause.$post({ ...one(cycleId), json: { reason } }))).state;
    },
    async resume(cycleId: string, reason = ''): Promise<CycleState> {
      return (await guarded(() => cycles[':cycleId'].resume.$post({ ...one(cycleId), json: { reason } }))).state;
    },
    async cancel(cycleId: string, reason: string): Promise<CycleState> {
      return (await guarded(() => cycles[':cycleId'].cancel.$post({ ...one(cycleId), json: { reason } }))).state;
    },
    /** Every region with its training workshop and status, and the counts. */
    async listWorkshops(cycleId: string): Promise<TrainingOverview> {
      return guarded(() => cycles[':cycleId'].workshops.$get(one(cycleId)));
    },
    /** Plans a region's workshop or changes its plan. */
    async planWorkshop(cycleId: string, region: string, plan: WorkshopPlanInput): Promise<Workshop> {
      return (await guarded(() => cycles[':cycleId'].workshops[':region'].$put({ param: { cycleId, region }, json: plan }))).workshop;
    },
    /** Records a region's workshop report, or corrects it. */
    async reportWorkshop(cycleId: string, region: string, report: WorkshopReportInput): Promise<Workshop> {
      return (await guarded(() => cycles[':cycleId'].workshops[':region'].report.$post({ param: { cycleId, region }, json: report }))).workshop;
    },
    /** One page of the audit trail, newest first; `before` is the previous page's nextBefore. */
    async auditTrail(filters: AuditFilters, before?: number | null): Promise<AuditPage> {
      return guarded(() => audit.$get({ query: auditQuery(filters, before) }));
    },
    /** Where the browser downloads the filtered trail as CSV (a GET with the session cookie). */
    auditExportHref(filters: AuditFilters): string {
      return audit['export.csv'].$path({ query: auditQuery(filters) });
    },
    async listUsers(): Promise<AdminUser[]> {
      return (await guarded(() => admin.users.$get())).users;
    },
    async createUser(user: NewUser): Promise<AdminUser> {
      return (await guarded(() => admin.users.$post({ json: user }))).user;
    },
    /** Roles, area or access changed: the API ends that user's sessions and drops their live connections. */
    async updateUser(userId: string, change: UserChange): Promise<AdminUser> {
      return (await guarded(() => admin.users[':id'].$patch({ ...byId(userId), json: change }))).user;
    },
    async listSessions(): Promise<AdminSession[]> {
      return (await guarded(() => admin.sessions.$get())).sessions;
    },
    async endSession(sessionId: string): Promise<void> {
      await guarded(() => admin.sessions[':id'].$delete(byId(sessionId)));
    },
    async listServiceTokens(): Promise<ServiceToken[]> {
      return (await guarded(() => admin['service-tokens'].$get())).tokens;
    },
    /** The secret comes back this once: the API keeps only its hash. */
    async createServiceToken(token: NewServiceToken): Promise<CreatedServiceToken> {
      return guarded(() => admin['service-tokens'].$post({ json: token }));
    },
    async revokeServiceToken(tokenId: string): Promise<void> {
      await guarded(() => admin['service-tokens'][':id'].$delete(byId(tokenId)));
    },
    async listImports(): Promise<RegisterImport[]> {
      return (await guarded(() => register.imports.$get())).imports;
    },
    async getImport(importId: string): Promise<RegisterImport> {
      return (await guarded(() => register.imports[':id'].$get(byId(importId)))).import;
    },
    /**
     * Sends a register file as the request body, streamed by the browser. The typed client only
     * sends JSON or forms, so this one call is a plain fetch through the same CSRF wrapper.
     */
    async uploadImport(file: Blob, upload: { fileName: string; format: RegisterFormat; kind: ImportKind }): Promise<RegisterImport> {
      const query = new URLSearchParams({ fileName: upload.fileName, format: upload.format, kind: upload.kind });
      const headers = { 'content-type': REGISTER_CONTENT_TYPES[upload.format] };
      const call = () => send(`${REGISTER_UPLOAD_PATH}?${query}`, { method: 'POST', headers, body: file }) as unknown as Promise<ClientResponse<{ import: RegisterImport }, 200, 'json'>>;
      return (await guarded(call)).import;
    },
    /** Where the browser downloads the rows an import refused (a GET with the session cookie). */
    importErrorsHref(importId: string): string {
      return register.imports[':id']['errors.csv'].$path(byId(importId));
    },
    /** Households of the caller's area matching an RSU id or part of a name; NINA and phone masked. */
    async searchHouseholds(q: string, limit = 50): Promise<Household[]> {
      return (await guarded(() => register.households.$get({ query: { q, limit: String(limit) } }))).households;
    },
    async listsSummary(cycleId: string): Promise<ListsSummary> {
      return guarded(() => cycles[':cycleId'].lists.$get(one(cycleId)));
    },
    async regionLists(cycleId: string, region: string): Promise<CommuneList[]> {
      return (await guarded(() => cycles[':cycleId'].lists.regions[':region'].$get({ param: { cycleId, region } }))).lists;
    },
    async communeList(cycleId: string, commune: string, offset = 0): Promise<CommuneListDetail> {
      return guarded(() => cycles[':cycleId'].lists.communes[':commune'].$get({ param: { cycleId, commune }, query: { offset: String(offset), limit: '100' } }));
    },
    async sendLists(cycleId: string): Promise<number> {
      return (await guarded(() => cycles[':cycleId'].lists.send.$post(one(cycleId)))).communes;
    },
    async decideList(cycleId: string, commune: string, decision: ListDecision): Promise<CommuneList> {
      return (await guarded(() => cycles[':cycleId'].lists.communes[':commune'].decision.$post({ param: { cycleId, commune }, json: decision }))).list;
    },
    /** Not by whoever prepared the changes: the API and the workflow both refuse it (four eyes). */
    async reviewListChange(cycleId: string, commune: string, approve: boolean, comment?: string): Promise<CommuneList> {
      const json = comment ? { approve, comment } : { approve };
      return (await guarded(() => cycles[':cycleId'].lists.communes[':commune'].review.$post({ param: { cycleId, commune }, json }))).list;
    },
    /** One page of the duplicate review queue (pairs in the caller's area), oldest first; every status when none is given. */
    async listDuplicates(status: DuplicateStatus | null, offset = 0, limit = 50): Promise<DuplicatePage> {
      const query = { ...(status ? { status } : {}), offset: String(offset), limit: String(limit) };
      return guarded(() => duplicates.$get({ query }));
    },
    async getDuplicate(pairId: string): Promise<DuplicatePair> {
      return (await guarded(() => duplicates[':id'].$get(byId(pairId)))).pair;
    },
    /** Keep, merge or distinct: final, audited; 409 when someone decided first. */
    async resolveDuplicate(pairId: string, decision: DuplicateDecision): Promise<DuplicatePair> {
      return (await guarded(() => duplicates[':id'].resolve.$post({ ...byId(pairId), json: decision }))).pair;
    },
    async getTargeting(cycleId: string): Promise<Targeting> {
      return (await guarded(() => cycles[':cycleId'].targeting.$get(one(cycleId)))).targeting;
    },
    async saveTargetingRules(cycleId: string, rules: TargetingRules): Promise<Targeting> {
      return (await guarded(() => cycles[':cycleId'].targeting.rules.$put({ ...one(cycleId), json: rules }))).targeting;
    },
    /** Starts an eligibility run; its progress arrives on targeting:progress. */
    async startTargetingRun(cycleId: string): Promise<TargetingRun> {
      return (await guarded(() => cycles[':cycleId'].targeting.runs.$post(one(cycleId)))).run;
    },
    /** Eligible, quota and selected per area of one level, as far as the caller's area goes. */
    async targetingQuotas(cycleId: string, query: TargetingAreaQuery): Promise<TargetingQuotas> {
      return guarded(() => cycles[':cycleId'].targeting.quotas.$get({ ...one(cycleId), query }));
    },
    async explainHousehold(cycleId: string, rsuId: string): Promise<TargetingExplanation> {
      return (await guarded(() => cycles[':cycleId'].targeting.households[':rsuId'].$get({ param: { cycleId, rsuId } }))).explanation;
    },
    /** Cases of the caller's area: all, waiting for me, waiting for a second signature, late; of one cycle or every one. */
    async listProcurementCases(filter: ProcurementInboxFilter = 'all', cycleId?: string): Promise<ProcurementCase[]> {
      return (await guarded(() => procurement.cases.$get({ query: { filter, ...(cycleId ? { cycleId } : {}) } }))).cases;
    },
    async getProcurementCase(caseId: string): Promise<ProcurementCaseDetail> {
      return guarded(() => procurement.cases[':caseId'].$get({ param: { caseId } }));
    },
    async openProcurementCase(input: NewProcurementCase): Promise<ProcurementCase> {
      return (await guarded(() => procurement.cases.$post({ json: input }))).case;
    },
    /** Submit, approve, reject, return, the funder's answer, cancel or restart: each through the route of its permission. */
    async actOnProcurementCase(caseId: string, action: ProcurementAction): Promise<ProcurementCaseDetail> {
      const param = { caseId };
      if (action.kind === 'submit' || action.kind === 'record-no-objection') {
        return guarded(() => procurement.cases[':caseId'].prepare.$post({ param, json: action as ProcurementPrepareAction }));
      }
      if (action.kind === 'cancel' || action.kind === 'restart-from') {
        return guarded(() => procurement.cases[':caseId'].manage.$post({ param, json: action as ProcurementManageAction }));
      }
      return guarded(() => procurement.cases[':caseId'].review.$post({ param, json: action as ProcurementReviewAction }));
    },
    async listProcurementTemplates(): Promise<ProcurementTemplate[]> {
      return (await guarded(() => procurement.templates.$get())).templates;
    },
    /** Saves the chain as a new version; running cases keep the version they started with. */
    async saveProcurementTemplate(key: string, edit: ProcurementTemplateEdit): Promise<ProcurementTemplate> {
      return (await guarded(() => procurement.templates[':key'].$put({ param: { key }, json: edit }))).template;
    },
    async procurementGates(cycleId: string): Promise<ProcurementGates> {
      return guarded(() => procurement.cycles[':cycleId'].gates.$get(one(cycleId)));
    },
    async procurementFigures(cycleId?: string): Promise<ProcurementFigures> {
      return guarded(() => procurement.figures.$get({ query: cycleId ? { cycleId } : {} }));
    },
    /** Cases of the caller's area with the list's filters (misconduct and fraud only for who may read them). */
    async listGrievances(filters: GrievanceFilters = {}): Promise<GrievanceCase[]> {
      return (await guarded(() => grievances.cases.$get({ query: filters }))).cases;
    },
    async getGrievance(reference: string): Promise<GrievanceCaseDetail> {
      return guarded(() => grievances.cases[':reference'].$get({ param: { reference } }));
    },
    async fileGrievance(input: NewGrievance): Promise<GrievanceCase> {
      return (await guarded(() => grievances.cases.$post({ json: input }))).case;
    },
    async actOnGrievance(reference: string, action: GrievanceAction): Promise<GrievanceCaseDetail> {
      return guarded(() => grievances.cases[':reference'].actions.$post({ param: { reference }, json: action }));
    },
    async lookupHousehold(query: { rsuId?: string; nina?: string; phone?: string }): Promise<HouseholdMatch[]> {
      return (await guarded(() => grievances.households.$get({ query }))).households;
    },
    async grievanceFigures(cycleId?: string): Promise<GrievanceFigures> {
      return guarded(() => grievances.figures.$get({ query: cycleId ? { cycleId } : {} }));
    },
    async correctivePaymentProposals(): Promise<CorrectivePaymentProposal[]> {
      return (await guarded(() => grievances['corrective-payments'].$get())).proposals;
    },
    /** A payment operator's approval: releases the case's corrective payment, sent once. */
    async approveCorrectivePayment(reference: string, comment?: string) {
      return (await guarded(() => grievances.cases[':reference']['corrective-payment'].approve.$post({ param: { reference }, json: comment ? { comment } : {} }))).correctivePayment;
    },
    /** The overview for an AWPB year and a date (the latest year and today when absent), as the caller's area sees it. */
    async overview(query: OverviewQuery = {}): Promise<{ overview: Overview; years: number[] }> {
      return guarded(() => api.overview.$get({ query: overviewQuery(query) }));
    },
    /** A year's AWPB forecast lines for their editor, with the years on record and the regions. */
    async forecastPlan(year: number): Promise<AwpbForecastPlan> {
      return (await guarded(() => api.overview.forecasts[':year'].$get({ param: { year: String(year) } }))).plan;
    },
    /** Replaces a year's AWPB lines; 409 when someone changed it since `basedOn`. */
    async replaceForecastPlan(year: number, input: { lines: AwpbForecastLine[]; basedOn: string | null }): Promise<AwpbForecastPlan> {
      return (await guarded(() => api.overview.forecasts[':year'].$put({ param: { year: String(year) }, json: input }))).plan;
    },
    /** Paid, failed, in flight, execution rate, per region, agency and funding source, as the caller's area sees them. */
    async paymentFigures(cycleId: string): Promise<PaymentFigures> {
      return (await guarded(() => cycles[':cycleId'].payments.figures.$get(one(cycleId)))).figures;
    },
    async paymentLists(cycleId: string): Promise<PaymentList[]> {
      return (await guarded(() => cycles[':cycleId']['payment-lists'].$get(one(cycleId)))).lists;
    },
    /** Signs the stage the list waits for; 409 with the rule a release control refused on. */
    async signPaymentList(cycleId: string, listId: string, segment: ReleaseSegment): Promise<PaymentList> {
      // The three stage routes are declared in a loop, so the typed client does not see their paths.
      const path = `/api/cycles/${encodeURIComponent(cycleId)}/payment-lists/${encodeURIComponent(listId)}/${segment}`;
      return (await guarded(() => plain<{ list: PaymentList }>('POST', path))).list;
    },
    /** Failed payments, or those still being retried, in the caller's area; one page after the id `after`. */
    async paymentsQueue(cycleId: string, query: PaymentsQueueQuery): Promise<PaymentsQueuePage> {
      return guarded(() => cycles[':cycleId'].payments.$get({ ...one(cycleId), query }));
    },
    /** Retry, re-route or cancel: applied at once (200), or waiting for a second operator (202). */
    async requestPaymentAction(cycleId: string, request: PaymentActionRequest): Promise<PaymentActionResult> {
      return guarded(() => cycles[':cycleId'].payments.actions.$post({ ...one(cycleId), json: request }));
    },
    async pendingPaymentActions(cycleId: string): Promise<PendingPaymentAction[]> {
      return (await guarded(() => cycles[':cycleId'].payments.actions.$get({ ...one(cycleId), query: { status: 'awaiting-approval' } }))).actions;
    },
    // The approve and reject routes are declared in a loop, so the typed client does not see their paths.
    async decidePaymentAction(cycleId: string, actionId: string, decision: 'approve' | 'reject', reason?: string): Promise<PaymentActionResult> {
      const path = `/api/cycles/${encodeURIComponent(cycleId)}/payments/actions/${encodeURIComponent(actionId)}/${decision}`;
      return guarded(() => plain<PaymentActionResult>('POST', path, reason ? { reason } : {}));
    },
    /** One household's NINA and phone in full; the API records the reveal in the audit trail. */
    async revealHousehold(rsuId: string): Promise<Household> {
      return (await guarded(() => register.households[':rsuId'].reveal.$post({ param: { rsuId } }))).household;
    },
  };
}

export type Api = ReturnType<typeof createApi>;

/** In a load function: a lost session goes to sign-in; other failures show SvelteKit's error page. */
export function failLoad(err: unknown, url: URL): never {
  if (isSessionEnded(err)) redirect(307, signInHref(url.pathname + url.search));
  if (err instanceof ApiError) error(err.status || 503, { message: err.message, code: err.code });
  throw err;
}
