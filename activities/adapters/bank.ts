import { FAILURE_REASONS, type FailureReason } from '../../domain/payments';
import type { AgencyAnswer, AgencyStatementLine, AgencyStatus, PaymentAgency, PaymentOrder } from '../ports/payment-agency';
import { BANK_PATHS, batchMessageId, endToEndId, type BankBatchRequest, type BankBatchResponse, type BankPayment } from './bank-api';
import { parseCamt053 } from './camt053';
import { TokenBucket } from './token-bucket';

export interface BankConfig {
  baseUrl: string;
  credential: string;
  ratePerSecond: number;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const STATEMENT_PAGE = 5_000;
const STATEMENT_READ_ATTEMPTS = 6;

type Reply = { ok: true; status: number; text: string; headers: Headers } | { ok: false; message: string };

function failureReason(code: string | undefined): FailureReason {
  return FAILURE_REASONS.includes(code as FailureReason) ? (code as FailureReason) : 'rejected';
}

function isBankPayment(value: unknown): value is BankPayment {
  const p = value as BankPayment | null;
  return !!p && typeof p === 'object' && typeof p.reference === 'string' && ['ACCEPTED', 'BOOKED', 'REJECTED', 'REVERSED'].includes(p.status);
}

/** A bank's word on one payment. Booked then reversed is still paid for the ledger: reconciliation lists the reversal. */
function fromPayment(payment: BankPayment): AgencyAnswer {
  switch (payment.status) {
    case 'ACCEPTED':
      return { kind: 'submitted', reference: payment.reference };
    case 'BOOKED':
    case 'REVERSED':
      return { kind: 'confirmed', reference: payment.reference, paidAt: payment.bookedAt ?? null };
    case 'REJECTED':
      return { kind: 'failed', reason: failureReason(payment.reason), message: payment.reason ?? 'rejected', reference: payment.reference };
  }
}

function fromError(status: number, code: string | undefined, headers: Headers): AgencyAnswer {
  if (status === 429) {
    const seconds = Number(headers.get('retry-after'));
    return { kind: 'transient', message: 'rate limited (429)', retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null };
  }
  if (status === 401 || status === 408) return { kind: 'transient', message: `${status} ${code ?? ''}`.trim(), retryAfterMs: null };
  if (status >= 500) return { kind: 'ambiguous', message: `${status} ${code ?? ''}`.trim() };
  return { kind: 'failed', reason: failureReason(code), message: `${status} ${code ?? ''}`.trim(), reference: null };
}

const jsonOf = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/**
 * The bank adapter: payments go as batches (a bulk request, accepted at once and booked later), a
 * status is asked by idempotency key, and what was paid is read from the bank's camt.053 statement.
 * The beneficiary's account is the identifier the beneficiary list holds (its phone-linked account).
 */
export class BankAgency implements PaymentAgency {
  readonly kind = 'bank' as const;
  private readonly bucket: TokenBucket;
  private readonly timeoutMs: number;

  constructor(private readonly config: BankConfig) {
    this.bucket = new TokenBucket(config.ratePerSecond);
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
    await this.bucket.take();
    try {
      const response = await fetch(new URL(path, this.config.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.config.credential}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { ok: true, status: response.status, text: await response.text(), headers: response.headers };
    } catch (err) {
      return { ok: false, message: `no answer: ${(err as Error & { cause?: unknown }).cause ? String((err as Error & { cause: unknown }).cause) : (err as Error).message}` };
    }
  }

  async submit(order: PaymentOrder): Promise<AgencyAnswer> {
    return (await this.submitBulk([order])).get(order.idempotencyKey)!;
  }

  async submitBulk(orders: readonly PaymentOrder[]): Promise<Map<string, AgencyAnswer>> {
    const answers = new Map<string, AgencyAnswer>();
    const request: BankBatchRequest = {
      batchId: batchMessageId(orders.map((o) => o.idempotencyKey)),
      payments: orders.map((o) => ({
        endToEndId: endToEndId(o.idempotencyKey),
        idempotencyKey: o.idempotencyKey,
        amount: o.amountFcfa,
        currency: 'XOF',
        creditorAccount: o.phone.replace(/^\+/, ''),
      })),
    };
    const reply = await this.request('POST', BANK_PATHS.batches, request);
    const body = reply.ok ? (jsonOf(reply.text) as BankBatchResponse | { error?: { code?: string } } | undefined) : undefined;
    const whole: AgencyAnswer | undefined = !reply.ok
      ? { kind: 'ambiguous', message: reply.message }
      : reply.status >= 300
        ? fromError(reply.status, (body as { error?: { code?: string } } | undefined)?.error?.code, reply.headers)
        : !Array.isArray((body as BankBatchResponse | undefined)?.payments)
          ? { kind: 'ambiguous', message: 'unreadable batch answer' }
          : undefined;
    if (whole) {
      for (const o of orders) answers.set(o.idempotencyKey, whole);
      return answers;
    }
    for (const item of (body as BankBatchResponse).payments) {
      answers.set(
        item.idempotencyKey,
        item.payment && isBankPayment(item.payment)
          ? fromPayment(item.payment)
          : { kind: 'failed', reason: failureReason(item.error?.code), message: item.error?.code ?? 'refused', reference: null },
      );
    }
    for (const o of orders) if (!answers.has(o.idempotencyKey)) answers.set(o.idempotencyKey, { kind: 'ambiguous', message: 'missing from the batch answer' });
    return answers;
  }

  async status(idempotencyKey: string): Promise<AgencyStatus> {
    const reply = await this.request('GET', `${BANK_PATHS.payments}?idempotencyKey=${encodeURIComponent(idempotencyKey)}`);
    if (!reply.ok) return { kind: 'unreachable', message: reply.message };
    if (reply.status === 404) return { kind: 'not-found' };
    const body = jsonOf(reply.text);
    if (reply.status < 300) return isBankPayment(body) ? (fromPayment(body) as AgencyStatus) : { kind: 'unreachable', message: 'unreadable payment' };
    const answer = fromError(reply.status, (body as { error?: { code?: string } } | undefined)?.error?.code, reply.headers);
    return answer.kind === 'ambiguous' || answer.kind === 'failed' ? { kind: 'unreachable', message: answer.message } : answer;
  }

  /** One camt.053 file of entries after `after`; reading changes nothing, so a failed read is read again. */
  private async statementFile(after: number): Promise<string> {
    for (let attempt = 1; ; attempt += 1) {
      const reply = await this.request('GET', `${BANK_PATHS.statement}?after=${after}&limit=${STATEMENT_PAGE}`);
      if (reply.ok && reply.status === 200) return reply.text;
      if (attempt >= STATEMENT_READ_ATTEMPTS) throw new Error(`bank statement unavailable: ${reply.ok ? reply.status : reply.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  /**
   * The program account's debits (payments) and the credits that reverse them, from camt.053 files.
   * An entry whose remittance key does not agree with its EndToEndId is reported under the
   * EndToEndId alone, so it matches no payment and shows as unexplained money.
   */
  async *statement(from?: string): AsyncIterable<AgencyStatementLine> {
    let after = from ? Number(from) : 0;
    for (;;) {
      const statements = parseCamt053(await this.statementFile(after));
      const entries = statements.flatMap((s) => s.entries);
      for (const e of entries) {
        // Payments are the account's debits, and reversals of them come back as credits; other credits (funding) are not payments.
        if (e.status !== 'BOOK' || (e.creditDebit === 'CRDT') !== e.reversal) continue;
        const key = e.remittance && e.endToEndId === endToEndId(e.remittance) ? e.remittance : (e.endToEndId ?? e.remittance ?? '');
        yield {
          idempotencyKey: key,
          reference: e.accountServicerReference ?? e.entryRef,
          amountFcfa: e.amount,
          paidAt: e.bookingDate,
          reversal: e.reversal,
          cursor: e.entryRef,
        };
      }
      if (entries.length < STATEMENT_PAGE) return;
      after = Number(entries.at(-1)!.entryRef);
    }
  }
}
