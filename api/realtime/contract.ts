// The Socket.IO contract, types only, shared by the API and the console.
import type { CycleEvent, GrievanceChanged, ImportProgress, ListsChanged, PaymentActionsChanged, ProcurementChanged, TargetingProgress, WorkshopEvent } from '../../domain/events';
import type { Overview } from '../../domain/overview';
import type { PaymentFigures } from '../../domain/payment-figures';
import type { Principal } from '../../domain/roles';

export interface ServerToClientEvents {
  /** A cycle changed; carries its whole new state, to be dropped if older than what the console holds. */
  'cycle:changed': (event: CycleEvent) => void;
  /** A register import committed another batch (or finished). */
  'import:progress': (progress: ImportProgress) => void;
  /** Commune lists of a cycle moved (sent, decided, reviewed, escalated, frozen): refetch what is shown. */
  'lists:changed': (change: ListsChanged) => void;
  /** An operator's action on a cycle's payments was asked, applied, approved or rejected. */
  'payments:actions': (change: PaymentActionsChanged) => void;
  /** A workshop of a watched cycle was planned, changed or reported. */
  'workshop:changed': (event: WorkshopEvent) => void;
  /** A cycle's eligibility run moved a step (or finished, or failed). */
  'targeting:progress': (progress: TargetingProgress) => void;
  /** A procurement case moved (an action, a late or escalated step): inboxes, case pages and boards refetch. */
  'procurement:changed': (change: ProcurementChanged) => void;
  /** A grievance case of the watcher's area was filed or moved (misconduct and fraud only to who may read them). */
  'grievance:changed': (change: GrievanceChanged) => void;
  /** A cycle's payment figures as the watcher's area sees them: at most twice a second, once a second while a run moves. */
  'payments:figures': (figures: PaymentFigures) => void;
  /** The overview as the watcher's area sees it (the current AWPB year, today): at most once a second. */
  'overview:changed': (overview: Overview) => void;
}

export interface ClientToServerEvents {
  /** Receive changes of every cycle (the list page). */
  'cycles:watch': (ack: (result: WatchResult) => void) => void;
  'cycles:unwatch': () => void;
  /** Receive changes of one cycle (its page). */
  'cycle:watch': (cycleId: string, ack: (result: WatchResult) => void) => void;
  'cycle:unwatch': (cycleId: string) => void;
  /** Receive the progress of every register import. */
  'imports:watch': (ack: (result: WatchResult) => void) => void;
  'imports:unwatch': () => void;
  /** Receive changes of one cycle's training workshops (its workshops page and its cycle page). */
  'workshops:watch': (cycleId: string, ack: (result: WatchResult) => void) => void;
  'workshops:unwatch': (cycleId: string) => void;
  /** Receive the progress of one cycle's eligibility runs (its targeting page). */
  'targeting:watch': (cycleId: string, ack: (result: WatchResult) => void) => void;
  'targeting:unwatch': (cycleId: string) => void;
  /** Receive every change of procurement cases (the notice names ids only; the API scopes what is refetched). */
  'procurement:watch': (ack: (result: WatchResult) => void) => void;
  'procurement:unwatch': () => void;
  /** Receive the changes of grievance cases in the user's own area. */
  'grievances:watch': (ack: (result: WatchResult) => void) => void;
  'grievances:unwatch': () => void;
  /** Receive one cycle's payment figures, scoped to the caller's area (its payments pages). */
  'payments:watch': (cycleId: string, ack: (result: WatchResult) => void) => void;
  'payments:unwatch': (cycleId: string) => void;
  /** Receive the overview, scoped to the caller's area (the overview page). */
  'overview:watch': (ack: (result: WatchResult) => void) => void;
  'overview:unwatch': () => void;
}

export type WatchResult = { ok: true } | { ok: false; error: string };

export interface SocketData {
  principal: Principal;
  sessionId: string;
}
