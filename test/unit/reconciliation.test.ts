import { describe, expect, it } from 'vitest';
import { endToEndId } from '../../activities/adapters/bank-api';
import { buildCamt053, Camt053Error, parseCamt053, type Camt053Entry } from '../../activities/adapters/camt053';
import { paymentIdempotencyKey } from '../../domain/payments';
import { reconcileList, resolutionConfirmsPayment, type LedgerPayment, type StatementEntry } from '../../domain/reconciliation';

const cycleId = '0b6f3c1e-6f59-4c1b-9d0e-2f1f8b7c9a10';
const key = (rsuId: string, generation = 0) => paymentIdempotencyKey({ cycleId, rsuId, tranche: 1, generation });
const payment = (id: number, status: LedgerPayment['status'], generation = 0, amountFcfa = 90_000): LedgerPayment => ({
  id,
  rsuId: `RSU-${id}`,
  tranche: 1,
  status,
  amountFcfa,
  idempotencyKey: key(`RSU-${id}`, generation),
  agencyReference: status === 'confirmed' ? `REF-${id}` : null,
});
const paid = (id: number, amountFcfa = 90_000, generation = 0): StatementEntry => ({ idempotencyKey: key(`RSU-${id}`, generation), reference: `REF-${id}`, amountFcfa, reversal: false });
const reversal = (id: number): StatementEntry => ({ ...paid(id), reversal: true });

describe('reconciling a list with its agency statement', () => {
  it('every confirmed payment found paid once at its amount is matched; the totals agree', () => {
    const r = reconcileList(cycleId, [payment(1, 'confirmed'), payment(2, 'confirmed'), payment(3, 'failed')], [paid(1), paid(2)]);
    expect(r).toEqual({ matched: 2, mismatches: [], ledgerTotalFcfa: 180_000, statementTotalFcfa: 180_000 });
  });

  it('finds each kind of mismatch: paid but not confirmed, confirmed but not paid, amount differs, reversed', () => {
    const r = reconcileList(
      cycleId,
      [payment(1, 'submitted'), payment(2, 'confirmed'), payment(3, 'confirmed'), payment(4, 'confirmed'), payment(5, 'confirmed')],
      [paid(1), paid(3, 85_000), paid(4), reversal(4), paid(5)],
    );
    expect(r.matched).toBe(1);
    expect(r.mismatches.map((m) => [m.kind, m.paymentId, m.ledgerAmountFcfa, m.statementAmountFcfa])).toEqual([
      ['paid-not-confirmed', 1, 90_000, 90_000],
      ['confirmed-not-paid', 2, 90_000, null],
      ['amount-differs', 3, 90_000, 85_000],
      ['reversed', 4, 90_000, 0],
    ]);
    expect(r.ledgerTotalFcfa).toBe(4 * 90_000);
    expect(r.statementTotalFcfa).toBe(90_000 + 85_000 + 90_000);
  });

  it('money paid under an earlier generation of a retried payment is found as paid but not confirmed', () => {
    const r = reconcileList(cycleId, [payment(1, 'confirmed', 1)], [paid(1, 90_000, 0), paid(1, 90_000, 1)]);
    expect(r.matched).toBe(1);
    expect(r.mismatches).toMatchObject([{ kind: 'paid-not-confirmed', paymentId: 1, statementKey: key('RSU-1', 0), ledgerAmountFcfa: 0 }]);
    expect(resolutionConfirmsPayment('paid-not-confirmed', { status: 'confirmed' }, false)).toBe(false);
  });

  it("entries of other cycles or of keys Jigi did not make are not the list's", () => {
    const other = { ...paid(1), idempotencyKey: paymentIdempotencyKey({ cycleId: '1b6f3c1e-6f59-4c1b-9d0e-2f1f8b7c9a10', rsuId: 'RSU-1', tranche: 1, generation: 0 }) };
    const r = reconcileList(cycleId, [payment(1, 'failed')], [other, { ...paid(1), idempotencyKey: 'someone-else' }]);
    expect(r).toEqual({ matched: 0, mismatches: [], ledgerTotalFcfa: 0, statementTotalFcfa: 0 });
  });

  it('the same inputs give the same match keys, so a second run finds the same items', () => {
    const inputs = [[payment(1, 'pending'), payment(2, 'confirmed')], [paid(1)]] as const;
    expect(reconcileList(cycleId, ...inputs).mismatches.map((m) => m.matchKey)).toEqual(reconcileList(cycleId, ...inputs).mismatches.map((m) => m.matchKey));
  });
});

describe('camt.053 statement files', () => {
  const entry = (n: number, over: Partial<Camt053Entry> = {}): Camt053Entry => ({
    entryRef: String(n),
    amount: 90_000,
    currency: 'XOF',
    creditDebit: 'DBIT',
    reversal: false,
    status: 'BOOK',
    bookingDate: '2026-11-29',
    accountServicerReference: `BNK${n}`,
    endToEndId: endToEndId(key(`RSU-${n}`)),
    remittance: key(`RSU-${n}`),
    ...over,
  });

  it('a statement written and read back gives the same entries, reversals and references kept as text', () => {
    const entries = [entry(1), entry(2, { creditDebit: 'CRDT', reversal: true, accountServicerReference: '000123' })];
    const [statement] = parseCamt053(buildCamt053({ messageId: 'M1', statementId: 'S1', account: 'ACC1', createdAt: '2026-11-29T10:00:00Z', entries }));
    expect(statement).toEqual({ messageId: 'M1', statementId: 'S1', account: 'ACC1', createdAt: '2026-11-29T10:00:00Z', entries });
  });

  it('reads a bank-written file: namespaced, old-style status, batch booking with one transaction per payment', () => {
    const xml = `<?xml version="1.0"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><c:BkToCstmrStmt><c:GrpHdr><c:MsgId>B</c:MsgId></c:GrpHdr>
<c:Stmt><c:Id>S</c:Id><c:Acct><c:Id><c:IBAN>ML13ML0160120102600100668497</c:IBAN></c:Id></c:Acct>
<c:Ntry><c:Amt Ccy="XOF">180000.00</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts>BOOK</c:Sts><c:BookgDt><c:Dt>2026-11-28</c:Dt></c:BookgDt>
<c:NtryDtls><c:TxDtls><c:Refs><c:EndToEndId>E1</c:EndToEndId></c:Refs><c:AmtDtls><c:TxAmt><c:Amt Ccy="XOF">100000</c:Amt></c:TxAmt></c:AmtDtls><c:RmtInf><c:Ustrd>part-</c:Ustrd><c:Ustrd>one</c:Ustrd></c:RmtInf></c:TxDtls>
<c:TxDtls><c:Refs><c:EndToEndId>E2</c:EndToEndId></c:Refs><c:Amt Ccy="XOF">80000</c:Amt></c:TxDtls></c:NtryDtls></c:Ntry></c:Stmt></c:BkToCstmrStmt></c:Document>`;
    const [statement] = parseCamt053(xml);
    expect(statement!.account).toBe('ML13ML0160120102600100668497');
    expect(statement!.entries.map((e) => [e.endToEndId, e.amount, e.status, e.remittance])).toEqual([
      ['E1', 100_000, 'BOOK', 'part-one'],
      ['E2', 80_000, 'BOOK', null],
    ]);
  });

  it('refuses what is not a camt.053 statement, or an amount in fractions of a franc, rather than read half of it', () => {
    expect(() => parseCamt053('<Document><BkToCstmrStmt>')).toThrow(Camt053Error);
    expect(() => parseCamt053('<Document><Other/></Document>')).toThrow(/not a camt.053/);
    const xml = buildCamt053({ messageId: 'M', statementId: 'S', account: 'A', createdAt: '', entries: [entry(1)] }).replace(/>90000</g, '>90000.50<');
    expect(() => parseCamt053(xml)).toThrow(/whole number of francs/);
  });
});
