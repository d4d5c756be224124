// Settings a coordinator fixes when a cycle is created; the workflows read them from their input.
import { DEFAULT_SIGNATURE_BANDS, type SignatureBand } from './payment-release';

export interface CycleSettings {
  /** Targeting in a region waits for its workshop report unless this is set. */
  trainingGateWaived: boolean;
  /** How long a commune focal point has to decide on the commune's list before it escalates to the region. */
  validationDeadlineSeconds: number;
  /** How long the region then has before the list escalates to the coordination unit. */
  escalationDeadlineSeconds: number;
  /** Signatures each release stage of a payment list takes, by the list's amount band. */
  releaseSignatureBands: readonly SignatureBand[];
  /** Payments per batch: the unit one activity sends, a few hundred. */
  paymentBatchSize: number;
  /** Batches sent to one agency at once; with its request rate, what a run asks of it. */
  paymentBatchesInFlight: number;
  /** An operator's action on more payments than this waits for a second operator. */
  bulkActionApprovalThreshold: number;
}

const DAY = 24 * 60 * 60;

export const DEFAULT_CYCLE_SETTINGS: CycleSettings = {
  trainingGateWaived: false,
  validationDeadlineSeconds: 10 * DAY,
  escalationDeadlineSeconds: 5 * DAY,
  releaseSignatureBands: DEFAULT_SIGNATURE_BANDS,
  paymentBatchSize: 500,
  paymentBatchesInFlight: 4,
  bulkActionApprovalThreshold: 20,
};

/** Settings as stored, completed with today's defaults for what older cycles did not record. */
export function cycleSettings(stored: Partial<CycleSettings> | null | undefined): CycleSettings {
  return { ...DEFAULT_CYCLE_SETTINGS, ...(stored ?? {}) };
}
