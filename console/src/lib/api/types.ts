import type { ClientResponse, hc, InferRequestType } from 'hono/client';
import type { AppType } from '../../../../api/app';

type Routes = ReturnType<typeof hc<AppType>>['api'];

/** The body of a route's 2xx answer, as the API's route declares it. */
export type SuccessBody<R> = R extends ClientResponse<infer B, infer S, string> ? (S extends 200 | 201 | 202 ? B : S extends 204 ? null : never) : never;

/** What a typed-client call resolves to when it succeeds. */
type Answer<Call> = Call extends (...args: never[]) => Promise<infer R> ? SuccessBody<R> : never;

/** The signed-in user, their permissions and the session's CSRF token, as `GET /api/auth/me` answers. */
export type Me = Answer<Routes['auth']['me']['$get']>;

/** A new authenticator secret, shown once while enrolling. */
export type Enrolment = Answer<Routes['auth']['second-factor']['enrol']['$post']>;

export type AuditPage = Answer<Routes['audit']['$get']>;
export type AuditEntry = AuditPage['entries'][number];

/** The filters of the audit trail, as the API reads them from the query string. */
export interface AuditFilters {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** ISO-8601 instants, inclusive. */
  from?: string;
  to?: string;
}

type Admin = Routes['admin'];

/** A console user as administrators see them: roles, area, second factor and access. */
export type AdminUser = Answer<Admin['users']['$get']>['users'][number];
export type NewUser = InferRequestType<Admin['users']['$post']>['json'];
/** What an administrator may change of a user; roles, area and access end the user's sessions. */
export type UserChange = InferRequestType<Admin['users'][':id']['$patch']>['json'];

/** An open session, whoever holds it. */
export type AdminSession = Answer<Admin['sessions']['$get']>['sessions'][number];

/** A service token of an integration; its secret is never listed. */
export type ServiceToken = Answer<Admin['service-tokens']['$get']>['tokens'][number];
export type NewServiceToken = InferRequestType<Admin['service-tokens']['$post']>['json'];
/** A token just created, with the secret shown this once. */
export type CreatedServiceToken = Answer<Admin['service-tokens']['$post']>;

type Register = Routes['register'];

/** A register file being imported, or imported, with its counters. */
export type RegisterImport = Answer<Register['imports']['$get']>['imports'][number];
/** A household as searches show it: NINA and phone masked ("•••• 4821") unless revealed. */
export type Household = Answer<Register['households']['$get']>['households'][number];
/** How the rows of a register file are written. */
export type RegisterFormat = RegisterImport['format'];
export type ImportKind = RegisterImport['kind'];

type Lists = Routes['cycles'][':cycleId']['lists'];

/** Community validation of a cycle: per region, lists by status, escalations and frozen households. */
export type ListsSummary = Answer<Lists['$get']>;
export type RegionListsSummary = ListsSummary['regions'][number];
/** One commune's list as the validation table shows it. */
export type CommuneList = Answer<Lists['regions'][':region']['$get']>['lists'][number];
/** One commune's list with its households (phones masked) and the changes asked of it. */
export type CommuneListDetail = Answer<Lists['communes'][':commune']['$get']>;
export type ListDecision = InferRequestType<Lists['communes'][':commune']['decision']['$post']>['json'];
type Workshops = Routes['cycles'][':cycleId']['workshops'];

/** A cycle's training workshops: every region, its workshop if planned, its status and the counts. */
export type TrainingOverview = Answer<Workshops['$get']>;
export type RegionWorkshop = TrainingOverview['regions'][number];
export type Workshop = NonNullable<RegionWorkshop['workshop']>;
export type WorkshopPlanInput = InferRequestType<Workshops[':region']['$put']>['json'];
export type WorkshopReportInput = InferRequestType<Workshops[':region']['report']['$post']>['json'];

type Duplicates = Routes['duplicates'];

/** Two households that may be one: both records (NINA and phone masked), why they were paired, the fields that differ. */
export type DuplicatePair = Answer<Duplicates[':id']['$get']>['pair'];
export type DuplicatePage = Answer<Duplicates['$get']>;
/** Keep one record, merge them (fields chosen one by one), or mark them as two households. */
export type DuplicateDecision = InferRequestType<Duplicates[':id']['resolve']['$post']>['json'];
export type DuplicateStatus = DuplicatePair['status'];
type CycleRoutes = Routes['cycles'][':cycleId'];

/** A cycle's targeting rules, hand-set quotas and last run. */
export type Targeting = Answer<CycleRoutes['targeting']['$get']>['targeting'];
export type TargetingRules = Targeting['rules'];
export type TargetingRun = NonNullable<Targeting['run']>;
/** Which areas of the quota table to read: a level, within a region or commune. */
export type TargetingAreaQuery = InferRequestType<CycleRoutes['targeting']['quotas']['$get']>['query'];
export type TargetingQuotas = Answer<CycleRoutes['targeting']['quotas']['$get']>;
export type AreaQuota = TargetingQuotas['areas'][number];
/** Why a household is in or out, as codes and numbers; the console puts it in words. */
export type TargetingExplanation = Answer<CycleRoutes['targeting']['households'][':rsuId']['$get']>['explanation'];


type Grievances = Routes['grievances'];
export type GrievanceCase = Answer<Grievances['cases']['$get']>['cases'][number];
export type GrievanceFilters = NonNullable<InferRequestType<Grievances['cases']['$get']>['query']>;
export type GrievanceCaseDetail = Answer<Grievances['cases'][':reference']['$get']>;
export type GrievanceAction = InferRequestType<Grievances['cases'][':reference']['actions']['$post']>['json'];
export type NewGrievance = InferRequestType<Grievances['cases']['$post']>['json'];
export type GrievanceFigures = Answer<Grievances['figures']['$get']>;
export type CorrectivePaymentProposal = Answer<Grievances['corrective-payments']['$get']>['proposals'][number];
export type HouseholdMatch = Answer<Grievances['households']['$get']>['households'][number];

type Procurement = Routes['procurement'];

/** A procurement case as inboxes and boards list it: its current step, lateness and what waits on the reader. */
export type ProcurementCase = Answer<Procurement['cases']['$get']>['cases'][number];
/** One case with its steps, its timeline (who did what, when) and the actions the reader may take. */
export type ProcurementCaseDetail = Answer<Procurement['cases'][':caseId']['$get']>;
export type ProcurementInboxFilter = NonNullable<InferRequestType<Procurement['cases']['$get']>['query']['filter']>;
export type ProcurementPrepareAction = InferRequestType<Procurement['cases'][':caseId']['prepare']['$post']>['json'];
export type ProcurementReviewAction = InferRequestType<Procurement['cases'][':caseId']['review']['$post']>['json'];
export type ProcurementManageAction = InferRequestType<Procurement['cases'][':caseId']['manage']['$post']>['json'];
export type ProcurementAction = ProcurementPrepareAction | ProcurementReviewAction | ProcurementManageAction;
export type NewProcurementCase = InferRequestType<Procurement['cases']['$post']>['json'];
export type ProcurementTemplate = Answer<Procurement['templates']['$get']>['templates'][number];
/** Each payment-agency lot of a cycle and whether disbursement may start in it. */
export type ProcurementGates = Answer<Procurement['cycles'][':cycleId']['gates']['$get']>;
export type ProcurementFigures = Answer<Procurement['figures']['$get']>;
export type ProcurementTemplateEdit = InferRequestType<Procurement['templates'][':key']['$put']>['json'];

type Cycles = Routes['cycles'];
export type { PaymentCounts, PaymentFigures, PaymentFiguresRow } from '../../../../domain/payment-figures';
export type { AwpbForecastLine, AwpbForecastPlan, BudgetLine, Overview, OverviewAlert, RegionFigures, ReportTable } from '../../../../domain/overview';
/** A payment list (commune × agency × tranche) with its envelope, signatures and the stage it waits for. */
export type PaymentList = Answer<Cycles[':cycleId']['payment-lists']['$get']>['lists'][number];
export type PaymentsQueuePage = Answer<Cycles[':cycleId']['payments']['$get']>;
/** A failed payment, or one still being retried, as operators see it (phone masked). */
export type QueuedPayment = PaymentsQueuePage['payments'][number];
export type PaymentsQueueQuery = InferRequestType<Cycles[':cycleId']['payments']['$get']>['query'];
export type ReleaseSegment = 'approve' | 'authorize' | 'release-funds';

/** What an operator does to failed payments: some chosen, or all matching a filter; each with a reason. */
export type { PaymentActionRequest } from '../../../../domain/payment-actions';
export type PaymentActionResult = Answer<Cycles[':cycleId']['payments']['actions']['$post']>;
/** An operator's action on payments, and whether the reader may approve it (four eyes). */
export type PendingPaymentAction = Answer<Cycles[':cycleId']['payments']['actions']['$get']>['actions'][number];
