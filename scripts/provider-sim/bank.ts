import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { BANK_PATHS, endToEndId, type BankBatchRequest, type BankBatchResponse, type BankPayment, type BankPaymentInstruction } from '../../activities/adapters/bank-api';
import { buildCamt053, type Camt053Entry } from '../../activities/adapters/camt053';

/** The bank's own faults, besides those every route shares (latency, errors, downtime, rate). */
export interface BankFaults {
  /** Accounts ending in one of these are rejected as invalid. */
  invalidAccountSuffixes: string[];
  /** Payments under these keys are reversed once booked (the money comes back): on demand. */
  reversedKeys: string[];
  /** Share of booked payments reversed. */
  reversalRate: number;
  /** How long a payment stays accepted before it is booked. */
  settleDelayMs: number;
}

export interface BankRequest {
  method: string;
  url: URL;
  credential: string;
  json: () => Promise<unknown>;
}

export type BankReply = { status: number; body: unknown } | { status: number; xml: string };

export class BankHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BATCH = 5_000;
const STATEMENT_PAGE_MAX = 10_000;

/**
 * The simulated bank's books: payments by idempotency key and its statement entries (bookings and
 * reversals, in order). In memory, and appended to a JSON-lines file when one is given before any
 * answer, so a restart keeps what it accepted.
 */
export class BankLedger {
  private readonly byKey = new Map<string, BankPayment>();
  private readonly entries: Camt053Entry[] = [];
  /** Keys picked for a reversal by reversalRate when booked. */
  private readonly toReverse = new Set<string>();
  /** Accepted and not yet booked: what a statement read must look at, not every payment. */
  private readonly unbooked = new Set<string>();
  private fd: number | undefined;
  private nextReference = 1;

  constructor(
    file: string | undefined,
    private readonly faults: () => BankFaults,
    private readonly random: () => number,
  ) {
    if (file) {
      if (existsSync(file)) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (!line.trim()) continue;
          try {
            this.remember(JSON.parse(line) as BankPayment);
          } catch {
            /* a line cut by a crash mid-write: never answered */
          }
        }
        this.nextReference = this.byKey.size + 1;
      }
      this.fd = openSync(file, 'a');
    }
  }

  private entry(payment: BankPayment, reversal: boolean): Camt053Entry {
    const at = (reversal ? payment.reversedAt : payment.bookedAt)!;
    return {
      entryRef: String(this.entries.length + 1),
      amount: payment.amount,
      currency: 'XOF',
      creditDebit: reversal ? 'CRDT' : 'DBIT',
      reversal,
      status: 'BOOK',
      bookingDate: at.slice(0, 10),
      accountServicerReference: payment.reference,
      endToEndId: payment.endToEndId,
      remittance: payment.idempotencyKey,
    };
  }

  private remember(payment: BankPayment): void {
    const known = this.byKey.get(payment.idempotencyKey);
    this.byKey.set(payment.idempotencyKey, payment);
    if (payment.status === 'ACCEPTED') this.unbooked.add(payment.idempotencyKey);
    else this.unbooked.delete(payment.idempotencyKey);
    if (payment.bookedAt && !known?.bookedAt) this.entries.push(this.entry(payment, false));
    if (payment.reversedAt && !known?.reversedAt) this.entries.push(this.entry(payment, true));
  }

  private write(payment: BankPayment): BankPayment {
    this.remember(payment);
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(payment)}\n`);
    return payment;
  }

  /** Books what has waited its delay, and reverses what was picked for it; reads call it so nothing is stale. */
  private advance(payment: BankPayment): BankPayment {
    const { settleDelayMs, reversedKeys, reversalRate } = this.faults();
    let current = payment;
    if (current.status === 'ACCEPTED' && Date.now() - Date.parse(current.acceptedAt) >= settleDelayMs) {
      if (reversalRate > 0 && this.random() < reversalRate) this.toReverse.add(current.idempotencyKey);
      current = this.write({ ...current, status: 'BOOKED', bookedAt: new Date().toISOString() });
    }
    if (current.status === 'BOOKED' && (this.toReverse.has(current.idempotencyKey) || reversedKeys.includes(current.idempotencyKey))) {
      current = this.write({ ...current, status: 'REVERSED', reversedAt: new Date().toISOString() });
    }
    return current;
  }

  get(idempotencyKey: string): BankPayment | undefined {
    const payment = this.byKey.get(idempotencyKey);
    return payment && this.advance(payment);
  }

  accept(batchId: string, instruction: BankPaymentInstruction): BankPayment {
    const known = this.get(instruction.idempotencyKey);
    if (known) {
      if (known.amount !== instruction.amount || known.creditorAccount !== instruction.creditorAccount) {
        throw new BankHttpError(409, 'idempotency-conflict', 'this idempotency key was used for another payment');
      }
      return known;
    }
    const invalid = this.faults().invalidAccountSuffixes.some((suffix) => instruction.creditorAccount.endsWith(suffix));
    const payment: BankPayment = {
      reference: `BNK${String(this.nextReference++).padStart(10, '0')}`,
      batchId,
      endToEndId: instruction.endToEndId,
      idempotencyKey: instruction.idempotencyKey,
      amount: instruction.amount,
      currency: 'XOF',
      creditorAccount: instruction.creditorAccount,
      status: invalid ? 'REJECTED' : 'ACCEPTED',
      ...(invalid ? { reason: 'invalid-account' } : {}),
      acceptedAt: new Date().toISOString(),
    };
    this.write(payment);
    return invalid ? payment : this.advance(payment);
  }

  /** Entries after the `after`th, as a camt.053 file. */
  statement(after: number, limit: number, account: string): string {
    for (const key of [...this.unbooked, ...this.toReverse, ...this.faults().reversedKeys]) this.get(key);
    const now = new Date().toISOString();
    return buildCamt053({
      messageId: `STMT-${now.replace(/\D/g, '').slice(0, 14)}-${after}`,
      statementId: `SIM-${account}-${after}`,
      account,
      createdAt: now,
      entries: this.entries.slice(after, after + limit),
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function instructionOf(value: unknown): BankPaymentInstruction {
  const v = value as Partial<BankPaymentInstruction> | null;
  if (!v || typeof v !== 'object') throw new BankHttpError(400, 'invalid-request', 'a payment is an object');
  if (typeof v.idempotencyKey !== 'string' || !v.idempotencyKey || v.idempotencyKey.length > 140) throw new BankHttpError(400, 'missing-idempotency-key', 'each payment needs an idempotencyKey (at most 140 characters)');
  if (v.endToEndId !== endToEndId(v.idempotencyKey)) throw new BankHttpError(400, 'invalid-end-to-end-id', 'endToEndId does not belong to this idempotency key');
  if (!Number.isSafeInteger(v.amount) || (v.amount as number) <= 0) throw new BankHttpError(400, 'invalid-amount', 'amount must be a positive whole number of XOF');
  if (v.currency !== 'XOF') throw new BankHttpError(400, 'invalid-currency', 'currency must be XOF');
  if (typeof v.creditorAccount !== 'string' || !/^[A-Za-z0-9]{8,34}$/.test(v.creditorAccount)) throw new BankHttpError(400, 'invalid-account-format', 'creditorAccount must be 8 to 34 letters or digits');
  return { endToEndId: v.endToEndId, idempotencyKey: v.idempotencyKey, amount: v.amount!, currency: 'XOF', creditorAccount: v.creditorAccount };
}

/** The bank's routes under /bank/v1; undefined for a path that is not the bank's. */
export async function handleBank(ledger: BankLedger, req: BankRequest): Promise<BankReply | undefined> {
  const { method, url } = req;
  if (!url.pathname.startsWith('/bank/')) return undefined;
  if (method === 'POST' && url.pathname === BANK_PATHS.batches) {
    const request = (await req.json()) as Partial<BankBatchRequest> | null;
    if (typeof request?.batchId !== 'string' || !request.batchId || request.batchId.length > 35) throw new BankHttpError(400, 'invalid-batch-id', 'batchId is 1 to 35 characters');
    if (!Array.isArray(request.payments) || request.payments.length === 0 || request.payments.length > MAX_BATCH) {
      throw new BankHttpError(400, 'invalid-request', `payments must hold 1 to ${MAX_BATCH} items`);
    }
    const batchId = request.batchId;
    const payments: BankBatchResponse['payments'] = request.payments.map((item) => {
      const idempotencyKey = String((item as { idempotencyKey?: unknown })?.idempotencyKey ?? '');
      try {
        return { idempotencyKey, payment: ledger.accept(batchId, instructionOf(item)) };
      } catch (err) {
        if (!(err instanceof BankHttpError)) throw err;
        return { idempotencyKey, error: { code: err.code, message: err.message } };
      }
    });
    return { status: 202, body: { batchId, payments } satisfies BankBatchResponse };
  }
  if (method === 'GET' && url.pathname === BANK_PATHS.payments) {
    const key = url.searchParams.get('idempotencyKey');
    const found = key ? ledger.get(key) : undefined;
    if (!found) throw new BankHttpError(404, 'not-found', 'no payment under this idempotency key');
    return { status: 200, body: found };
  }
  if (method === 'GET' && url.pathname === BANK_PATHS.statement) {
    const after = Number(url.searchParams.get('after') ?? 0);
    const limit = Math.min(STATEMENT_PAGE_MAX, Number(url.searchParams.get('limit') ?? STATEMENT_PAGE_MAX));
    if (!Number.isSafeInteger(after) || after < 0 || !Number.isSafeInteger(limit) || limit < 1) throw new BankHttpError(400, 'invalid-page', 'after and limit are whole numbers');
    return { status: 200, xml: ledger.statement(after, limit, req.credential) };
  }
  throw new BankHttpError(404, 'not-found', `no route ${method} ${url.pathname}`);
}
