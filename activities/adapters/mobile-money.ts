import { FAILURE_REASONS, type FailureReason } from '../../domain/payments';
import type { AgencyAnswer, AgencyStatementLine, AgencyStatus, PaymentAgency, PaymentOrder } from '../ports/payment-agency';
import {
  IDEMPOTENCY_HEADER,
  MOBILE_MONEY_PATHS,
  type AgencyErrorBody,
  type BulkTransferRequest,
  type BulkTransferResponse,
  type StatementPage,
  type Transfer,
  type TransferRequest,
} from './mobile-money-api';
import { TokenBucket } from './token-bucket';

export interface MobileMoneyConfig {
  baseUrl: string;
  /** The bearer credential the agency issued to the program. */
  credential: string;
  /** The agency's allowed requests a second for this credential; the adapter stays under it. */
  ratePerSecond: number;
  /** Past this, an answer is taken as lost: the request becomes ambiguous. */
  timeoutMs?: number;
}

type Reply = { ok: true; status: number; body: unknown } | { ok: false; message: string };

const DEFAULT_TIMEOUT_MS = 10_000;
const STATEMENT_PAGE = 5_000;
const STATEMENT_READ_ATTEMPTS = 6;

function failureReason(code: string | undefined): FailureReason {
  return FAILURE_REASONS.includes(code as FailureReason) ? (code as FailureReason) : 'rejected';
}

function fromTransfer(transfer: Transfer): AgencyAnswer {
  if (transfer.status === 'SUCCESSFUL') return { kind: 'confirmed', reference: transfer.reference, paidAt: transfer.paidAt ?? null };
  if (transfer.status === 'FAILED') {
    return { kind: 'failed', reason: failureReason(transfer.reason), message: transfer.reason ?? 'failed', reference: transfer.reference };
  }
  return { kind: 'submitted', reference: transfer.reference };
}

function isTransfer(value: unknown): value is Transfer {
  const t = value as Transfer | null;
  return !!t && typeof t === 'object' && typeof t.reference === 'string' && ['PENDING', 'SUCCESSFUL', 'FAILED'].includes(t.status);
}

function errorCode(body: unknown): string | undefined {
  return (body as AgencyErrorBody | null)?.error?.code;
}

function retryAfterMs(headers: Headers): number | null {
  const seconds = Number(headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
}

/** An answer that is not a transfer, classified: what could not have committed, and what could. */
function fromError(status: number, body: unknown, headers: Headers): AgencyAnswer {
  const code = errorCode(body);
  if (status === 429) return { kind: 'transient', message: 'rate limited (429)', retryAfterMs: retryAfterMs(headers) };
  if (status === 401 || status === 408) return { kind: 'transient', message: `${status} ${code ?? ''}`.trim(), retryAfterMs: null };
  if (status >= 500) return { kind: 'ambiguous', message: `${status} ${code ?? ''}`.trim() };
  return { kind: 'failed', reason: failureReason(code), message: `${status} ${code ?? ''}`.trim(), reference: null };
}

/** The mobile-money adapter: the agency's HTTP API, within its request rate. */
export class MobileMoneyAgency implements PaymentAgency {
  readonly kind = 'mobile-money' as const;
  private readonly bucket: TokenBucket;
  private readonly timeoutMs: number;

  constructor(private readonly config: MobileMoneyConfig) {
    this.bucket = new TokenBucket(config.ratePerSecond);
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply & { headers?: Headers }> {
    await this.bucket.take();
    let response: Response;
    try {
      response = await fetch(new URL(path, this.config.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.config.credential}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      return { ok: false, message: `no answer: ${(err as Error).cause ? String((err as Error & { cause: unknown }).cause) : (err as Error).message}` };
    }
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch {
      return { ok: false, message: `unreadable answer (${response.status})` };
    }
    return { ok: true, status: response.status, body: parsed, headers: response.headers };
  }

  async submit(order: PaymentOrder): Promise<AgencyAnswer> {
    const reply = await this.request('POST', MOBILE_MONEY_PATHS.transfers, toRequest(order), { [IDEMPOTENCY_HEADER]: order.idempotencyKey });
    if (!reply.ok) return { kind: 'ambiguous', message: reply.message };
    if (reply.status < 300) return isTransfer(reply.body) ? fromTransfer(reply.body) : { kind: 'ambiguous', message: 'unreadable transfer' };
    return fromError(reply.status, reply.body, reply.headers!);
  }

  async submitBulk(orders: readonly PaymentOrder[]): Promise<Map<string, AgencyAnswer>> {
    const answers = new Map<string, AgencyAnswer>();
    const request: BulkTransferRequest = { transfers: orders.map((o) => ({ idempotencyKey: o.idempotencyKey, ...toRequest(o) })) };
    const reply = await this.request('POST', MOBILE_MONEY_PATHS.bulk, request);
    const whole: AgencyAnswer | undefined = !reply.ok
      ? { kind: 'ambiguous', message: reply.message }
      : reply.status >= 300
        ? fromError(reply.status, reply.body, reply.headers!)
        : !Array.isArray((reply.body as BulkTransferResponse | null)?.results)
          ? { kind: 'ambiguous', message: 'unreadable bulk answer' }
          : undefined;
    if (whole) {
      for (const o of orders) answers.set(o.idempotencyKey, whole);
      return answers;
    }
    for (const result of (reply as { body: BulkTransferResponse }).body.results) {
      answers.set(
        result.idempotencyKey,
        result.transfer && isTransfer(result.transfer)
          ? fromTransfer(result.transfer)
          : { kind: 'failed', reason: failureReason(result.error?.code), message: result.error?.code ?? 'refused', reference: null },
      );
    }
    // An item the agency left out of its answer may or may not have been taken.
    for (const o of orders) if (!answers.has(o.idempotencyKey)) answers.set(o.idempotencyKey, { kind: 'ambiguous', message: 'missing from the bulk answer' });
    return answers;
  }

  async status(idempotencyKey: string): Promise<AgencyStatus> {
    const reply = await this.request('GET', `${MOBILE_MONEY_PATHS.transfers}?idempotencyKey=${encodeURIComponent(idempotencyKey)}`);
    if (!reply.ok) return { kind: 'unreachable', message: reply.message };
    if (reply.status === 404) return { kind: 'not-found' };
    if (reply.status < 300) return isTransfer(reply.body) ? fromTransfer(reply.body) as AgencyStatus : { kind: 'unreachable', message: 'unreadable transfer' };
    const answer = fromError(reply.status, reply.body, reply.headers!);
    return answer.kind === 'ambiguous' || answer.kind === 'failed' ? { kind: 'unreachable', message: answer.message } : answer;
  }

  /** A page of the statement; reading changes nothing, so a failed read is simply read again. */
  private async statementPage(after: number): Promise<StatementPage> {
    for (let attempt = 1; ; attempt += 1) {
      const reply = await this.request('GET', `${MOBILE_MONEY_PATHS.statement}?after=${after}&limit=${STATEMENT_PAGE}`);
      if (reply.ok && reply.status === 200) return reply.body as StatementPage;
      if (attempt >= STATEMENT_READ_ATTEMPTS) throw new Error(`statement unavailable: ${reply.ok ? reply.status : reply.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }

  async *statement(from?: string): AsyncIterable<AgencyStatementLine> {
    let after: number | null = from ? Number(from) : 0;
    while (after !== null) {
      const page = await this.statementPage(after);
      for (const e of page.entries) yield { idempotencyKey: e.idempotencyKey, reference: e.reference, amountFcfa: e.amount, paidAt: e.paidAt, cursor: String(e.seq) };
      after = page.next;
    }
  }
}

function toRequest(order: PaymentOrder): TransferRequest {
  return { amount: order.amountFcfa, currency: 'XOF', payeeMsisdn: order.phone.replace(/^\+/, '') };
}
