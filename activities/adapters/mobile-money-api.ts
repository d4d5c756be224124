// The mobile-money disbursement API as agencies publish it (modelled on the public ones: a transfer
// created under the caller's idempotency key, its status by key or reference, a bulk request, a
// statement). The simulator serves exactly this; the adapter calls exactly this.

export const MOBILE_MONEY_PATHS = {
  transfers: '/v1/transfers',
  bulk: '/v1/transfers/bulk',
  statement: '/v1/statement',
  faults: '/admin/faults',
} as const;

export const IDEMPOTENCY_HEADER = 'x-idempotency-key';

/** PENDING: accepted, not yet paid. SUCCESSFUL: the wallet is credited. FAILED: refused, with a reason. */
export type TransferStatus = 'PENDING' | 'SUCCESSFUL' | 'FAILED';

export interface TransferRequest {
  amount: number;
  currency: 'XOF';
  /** E.164 without the plus sign, as these APIs take it. */
  payeeMsisdn: string;
  payerMessage?: string;
}

export interface Transfer {
  reference: string;
  idempotencyKey: string;
  amount: number;
  currency: 'XOF';
  payeeMsisdn: string;
  status: TransferStatus;
  /** One of the domain's failure reasons when FAILED. */
  reason?: string;
  createdAt: string;
  /** When it was paid, if SUCCESSFUL. */
  paidAt?: string;
}

export interface BulkTransferRequest {
  transfers: Array<TransferRequest & { idempotencyKey: string }>;
}

/** Each item answered on its own: a refused account does not refuse the others. */
export interface BulkTransferResponse {
  results: Array<{ idempotencyKey: string; transfer?: Transfer; error?: AgencyErrorBody['error'] }>;
}

export interface StatementEntry {
  seq: number;
  idempotencyKey: string;
  reference: string;
  amount: number;
  payeeMsisdn: string;
  paidAt: string;
}

export interface StatementPage {
  entries: StatementEntry[];
  /** Pass as `after` to read the next page; null when this page was the last. */
  next: number | null;
}

export interface AgencyErrorBody {
  error: { code: string; message: string };
}
