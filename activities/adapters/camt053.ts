// camt.053 (ISO 20022 BankToCustomerStatement): the statement file a bank sends. Parsed with
// fast-xml-parser (no maintained camt-specific library exists for Node); written here only for the
// simulator, which must serve what banks serve.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CAMT053_NAMESPACE } from './bank-api';

/** One booked entry of a statement, as the program reads it (one per transaction of a batch booking). */
export interface Camt053Entry {
  /** NtryRef: the entry's sequence at the bank; the next read starts after the last one seen. */
  entryRef: string;
  amount: number;
  currency: string;
  creditDebit: 'CRDT' | 'DBIT';
  /** RvslInd: this entry undoes an earlier one (money back to the program's account). */
  reversal: boolean;
  status: string;
  bookingDate: string;
  /** AcctSvcrRef: the bank's reference for the payment. */
  accountServicerReference: string | null;
  endToEndId: string | null;
  /** Unstructured remittance information, joined. */
  remittance: string | null;
}

export interface Camt053Statement {
  messageId: string;
  statementId: string;
  account: string;
  createdAt: string;
  entries: Camt053Entry[];
}

export class Camt053Error extends Error {}

const ALWAYS_ARRAYS = new Set(['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  // References are text, whatever they look like: "000123" must stay "000123".
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ALWAYS_ARRAYS.has(name),
});

type Node = Record<string, unknown>;
const node = (value: unknown): Node => (value && typeof value === 'object' ? (value as Node) : {});
const text = (value: unknown): string | null => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as Node)['#text'] === 'string') return (value as Node)['#text'] as string;
  return null;
};
const list = (value: unknown): Node[] => (Array.isArray(value) ? value.map(node) : value === undefined ? [] : [node(value)]);

/** An amount in XOF: whole francs (the currency has no minor unit); "90000.00" reads as 90000. */
function amountOf(value: unknown, where: string): { amount: number; currency: string } {
  const raw = text(value);
  const currency = (node(value)['@Ccy'] as string | undefined) ?? '';
  if (raw === null || !/^\d+(\.0+)?$/.test(raw)) throw new Camt053Error(`${where}: amount "${raw ?? ''}" is not a whole number of francs`);
  const amount = Number(raw.split('.')[0]);
  if (!Number.isSafeInteger(amount)) throw new Camt053Error(`${where}: amount ${raw} is out of range`);
  return { amount, currency };
}

/** Reads a camt.053 document; throws Camt053Error on anything that is not one, never returns half a file. */
export function parseCamt053(xml: string): Camt053Statement[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Camt053Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = node(node(parser.parse(xml)).Document);
  const report = doc.BkToCstmrStmt;
  if (!report) throw new Camt053Error('not a camt.053 document (no BkToCstmrStmt)');
  const messageId = text(node(node(report).GrpHdr).MsgId) ?? '';
  return list(node(report).Stmt).map((stmt, s) => {
    const statementId = text(stmt.Id) ?? `statement ${s + 1}`;
    const entries: Camt053Entry[] = [];
    for (const [n, ntry] of list(stmt.Ntry).entries()) {
      const where = `${statementId}, entry ${n + 1}`;
      const creditDebit = text(ntry.CdtDbtInd);
      if (creditDebit !== 'CRDT' && creditDebit !== 'DBIT') throw new Camt053Error(`${where}: CdtDbtInd must be CRDT or DBIT`);
      const bookingDate = text(node(ntry.BookgDt).Dt) ?? text(node(ntry.BookgDt).DtTm);
      if (!bookingDate) throw new Camt053Error(`${where}: no booking date`);
      // camt.053.001.02 writes <Sts>BOOK</Sts>; from .06 on it is <Sts><Cd>BOOK</Cd></Sts>.
      const status = text(ntry.Sts) ?? text(node(ntry.Sts).Cd) ?? '';
      const common = {
        entryRef: text(ntry.NtryRef) ?? String(n + 1),
        creditDebit,
        reversal: text(ntry.RvslInd) === 'true',
        status,
        bookingDate,
        accountServicerReference: text(ntry.AcctSvcrRef),
      } as const;
      const entryAmount = amountOf(ntry.Amt, where);
      const details = list(ntry.NtryDtls).flatMap((d) => list(d.TxDtls));
      if (details.length === 0) {
        entries.push({ ...common, ...entryAmount, endToEndId: null, remittance: null });
        continue;
      }
      for (const tx of details) {
        // A batch booking lists each transaction with its own amount; a single one may leave it to the entry.
        const own = tx.Amt ?? node(node(tx.AmtDtls).TxAmt).Amt;
        const remittance = list(node(tx.RmtInf).Ustrd).length ? (node(tx.RmtInf).Ustrd as unknown[]).map((u) => text(u) ?? '').join('') : null;
        entries.push({
          ...common,
          ...(own === undefined ? entryAmount : amountOf(own, where)),
          accountServicerReference: text(node(tx.Refs).AcctSvcrRef) ?? common.accountServicerReference,
          endToEndId: text(node(tx.Refs).EndToEndId),
          remittance,
        });
      }
    }
    return { messageId, statementId, account: text(node(node(node(stmt.Acct).Id).Othr).Id) ?? text(node(node(stmt.Acct).Id).IBAN) ?? '', createdAt: text(stmt.CreDtTm) ?? '', entries };
  });
}

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Writes a camt.053.001.08 statement: one entry per booked payment or reversal, nothing batch-booked. */
export function buildCamt053(statement: Camt053Statement): string {
  const entries = statement.entries.map(
    (e) => `
      <Ntry>
        <NtryRef>${escape(e.entryRef)}</NtryRef>
        <Amt Ccy="${escape(e.currency)}">${e.amount}</Amt>
        <CdtDbtInd>${e.creditDebit}</CdtDbtInd>${e.reversal ? '\n        <RvslInd>true</RvslInd>' : ''}
        <Sts><Cd>${escape(e.status)}</Cd></Sts>
        <BookgDt><Dt>${escape(e.bookingDate)}</Dt></BookgDt>
        <ValDt><Dt>${escape(e.bookingDate)}</Dt></ValDt>${e.accountServicerReference ? `\n        <AcctSvcrRef>${escape(e.accountServicerReference)}</AcctSvcrRef>` : ''}
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>${e.reversal ? 'RRTN' : 'DMCT'}</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs>${e.accountServicerReference ? `<AcctSvcrRef>${escape(e.accountServicerReference)}</AcctSvcrRef>` : ''}${e.endToEndId ? `<EndToEndId>${escape(e.endToEndId)}</EndToEndId>` : ''}</Refs>
          <Amt Ccy="${escape(e.currency)}">${e.amount}</Amt>${e.remittance ? `\n          <RmtInf><Ustrd>${escape(e.remittance)}</Ustrd></RmtInf>` : ''}
        </TxDtls></NtryDtls>
      </Ntry>`,
  );
  const debits = statement.entries.filter((e) => e.creditDebit === 'DBIT').reduce((s, e) => s + e.amount, 0);
  const credits = statement.entries.filter((e) => e.creditDebit === 'CRDT').reduce((s, e) => s + e.amount, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="${CAMT053_NAMESPACE}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${escape(statement.messageId)}</MsgId><CreDtTm>${escape(statement.createdAt)}</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${escape(statement.statementId)}</Id>
      <CreDtTm>${escape(statement.createdAt)}</CreDtTm>
      <Acct><Id><Othr><Id>${escape(statement.account)}</Id></Othr></Id><Ccy>XOF</Ccy></Acct>
      <TxsSummry>
        <TtlNtries><NbOfNtries>${statement.entries.length}</NbOfNtries><Sum>${debits + credits}</Sum></TtlNtries>
        <TtlCdtNtries><NbOfNtries>${statement.entries.filter((e) => e.creditDebit === 'CRDT').length}</NbOfNtries><Sum>${credits}</Sum></TtlCdtNtries>
        <TtlDbtNtries><NbOfNtries>${statement.entries.filter((e) => e.creditDebit === 'DBIT').length}</NbOfNtries><Sum>${debits}</Sum></TtlDbtNtries>
      </TxsSummry>${entries.join('')}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
}
