import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { StatementEntry, StatementPage, Transfer, TransferRequest, TransferStatus } from '../../activities/adapters/mobile-money-api';

/**
 * What the simulated agency has taken and paid, by idempotency key. In memory, and appended to a
 * JSON-lines file when one is given, written before the caller gets an answer, so a restart
 * keeps every transfer it acknowledged (and those it committed but never answered).
 */
export class SimLedger {
  private readonly byKey = new Map<string, Transfer>();
  private readonly byReference = new Map<string, string>();
  private readonly statement: StatementEntry[] = [];
  private readonly spentToday = new Map<string, { day: string; total: number }>();
  private fd: number | undefined;
  /** Lines held while a bulk request is being committed, written in one call before it is answered. */
  private held: string[] | null = null;
  private nextReference = 1;

  constructor(
    file: string | undefined,
    private settleDelayMs: number,
  ) {
    if (file) {
      if (existsSync(file)) this.load(readFileSync(file, 'utf8'));
      this.fd = openSync(file, 'a');
    }
  }

  private load(text: string): void {
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      let transfer: Transfer;
      try {
        transfer = JSON.parse(line) as Transfer;
      } catch {
        continue; // a line cut by a crash mid-write: that transfer was never answered
      }
      this.remember(transfer);
    }
    this.nextReference = this.byKey.size + 1;
  }

  private remember(transfer: Transfer): void {
    const known = this.byKey.get(transfer.idempotencyKey);
    this.byKey.set(transfer.idempotencyKey, transfer);
    this.byReference.set(transfer.reference, transfer.idempotencyKey);
    if (transfer.status === 'SUCCESSFUL' && known?.status !== 'SUCCESSFUL') {
      this.statement.push({
        seq: this.statement.length + 1,
        idempotencyKey: transfer.idempotencyKey,
        reference: transfer.reference,
        amount: transfer.amount,
        payeeMsisdn: transfer.payeeMsisdn,
        paidAt: transfer.paidAt!,
      });
    }
  }

  private write(transfer: Transfer): void {
    this.remember(transfer);
    if (this.fd === undefined) return;
    const line = `${JSON.stringify(transfer)}\n`;
    if (this.held) this.held.push(line);
    else writeSync(this.fd, line);
  }

  /**
   * Commits a bulk request's transfers with one write to the file instead of one per transfer; still
   * written before the caller gets an answer, so a crash in between loses only unanswered transfers.
   */
  inOneWrite<T>(work: () => T): T {
    if (this.held) return work();
    this.held = [];
    try {
      return work();
    } finally {
      const lines = this.held;
      this.held = null;
      if (this.fd !== undefined && lines.length > 0) writeSync(this.fd, lines.join(''));
    }
  }

  setSettleDelay(ms: number): void {
    this.settleDelayMs = ms;
  }

  /** Pays what has waited its settlement delay; reads call it so a status is never stale. */
  private settle(transfer: Transfer): Transfer {
    if (transfer.status !== 'PENDING' || Date.now() - Date.parse(transfer.createdAt) < this.settleDelayMs) return transfer;
    const paid: Transfer = { ...transfer, status: 'SUCCESSFUL', paidAt: new Date().toISOString() };
    this.write(paid);
    return paid;
  }

  get(idempotencyKey: string): Transfer | undefined {
    const transfer = this.byKey.get(idempotencyKey);
    return transfer && this.settle(transfer);
  }

  getByReference(reference: string): Transfer | undefined {
    const key = this.byReference.get(reference);
    return key === undefined ? undefined : this.get(key);
  }

  /** The amount a credential may still send today, before `amount` is added. */
  spent(credential: string, now = new Date()): number {
    const entry = this.spentToday.get(credential);
    return entry && entry.day === now.toISOString().slice(0, 10) ? entry.total : 0;
  }

  commit(credential: string, idempotencyKey: string, request: TransferRequest, outcome: { status: TransferStatus; reason?: string }): Transfer {
    const now = new Date();
    const status: TransferStatus = outcome.status === 'PENDING' && this.settleDelayMs <= 0 ? 'SUCCESSFUL' : outcome.status;
    const transfer: Transfer = {
      reference: `SIM${String(this.nextReference++).padStart(10, '0')}`,
      idempotencyKey,
      amount: request.amount,
      currency: 'XOF',
      payeeMsisdn: request.payeeMsisdn,
      status,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      createdAt: now.toISOString(),
      ...(status === 'SUCCESSFUL' ? { paidAt: now.toISOString() } : {}),
    };
    if (status !== 'FAILED') {
      const day = now.toISOString().slice(0, 10);
      this.spentToday.set(credential, { day, total: this.spent(credential, now) + request.amount });
    }
    this.write(transfer);
    return transfer;
  }

  /** What it paid, in the order it paid it. */
  statementPage(after: number, limit: number): StatementPage {
    if (this.settleDelayMs > 0) for (const key of this.byKey.keys()) this.get(key);
    const entries = this.statement.slice(after, after + limit);
    return { entries, next: after + entries.length < this.statement.length ? after + entries.length : null };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
