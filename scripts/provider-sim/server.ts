import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenBucket } from '../../activities/adapters/token-bucket';
import {
  IDEMPOTENCY_HEADER,
  MOBILE_MONEY_PATHS,
  type AgencyErrorBody,
  type BulkTransferRequest,
  type BulkTransferResponse,
  type Transfer,
  type TransferRequest,
} from '../../activities/adapters/mobile-money-api';
import { BankHttpError, BankLedger, handleBank } from './bank';
import { SimLedger } from './ledger';

/** The faults the simulated agency injects; set at startup and changed through PUT /admin/faults. */
export interface SimFaults {
  latencyMs: number;
  latencyJitterMs: number;
  /** Share of requests answered 500 before anything is committed. */
  errorRate: number;
  /** Share of transfer requests committed, then left without an answer: the ambiguous case. */
  timeoutAfterCommitRate: number;
  /** How long such a request is held before the connection is dropped. */
  hangMs: number;
  /** Transfer requests (single or bulk) carrying one of these idempotency keys are committed, then left without an answer: the ambiguous case made reproducible. Each key once; it leaves the list when it fires. */
  hangAfterCommitKeys: string[];
  /** Payee numbers ending in one of these are refused as invalid accounts. */
  invalidAccountSuffixes: string[];
  /** Per credential and UTC day; null for none. */
  dailyLimitFcfa: number | null;
  /** ISO-8601 intervals during which every request is answered 503. */
  downtime: Array<{ from: string; to: string }>;
  /** Requests a second per credential, past which 429; null for none. */
  ratePerSecond: number | null;
  /** How long a transfer stays PENDING before it is paid; 0 pays at once. */
  settleDelayMs: number;
  /** Bank routes: payments under these keys are reversed once booked. */
  reversedKeys: string[];
  /** Bank routes: share of booked payments reversed. */
  reversalRate: number;
}

export const NO_FAULTS: SimFaults = {
  latencyMs: 0,
  latencyJitterMs: 0,
  errorRate: 0,
  timeoutAfterCommitRate: 0,
  hangMs: 0,
  hangAfterCommitKeys: [],
  invalidAccountSuffixes: [],
  dailyLimitFcfa: null,
  downtime: [],
  ratePerSecond: null,
  settleDelayMs: 0,
  reversedKeys: [],
  reversalRate: 0,
};

export interface ProviderSimOptions {
  port?: number;
  host?: string;
  ledgerFile?: string;
  /** The bank routes' books; by default beside ledgerFile (`….bank.jsonl`). */
  bankLedgerFile?: string;
  faults?: Partial<SimFaults>;
  /** Replaces Math.random, so a test can make faults reproducible. */
  random?: () => number;
}

export interface ProviderSim {
  url: string;
  server: Server;
  ledger: SimLedger;
  bank: BankLedger;
  faults: SimFaults;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2_000_000;
const MAX_BULK = 1_000;
const STATEMENT_PAGE_MAX = 10_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'too-large', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid-json', 'the body is not JSON');
  }
}

function parseTransferRequest(value: unknown): TransferRequest {
  const v = value as Partial<TransferRequest> | null;
  if (!v || typeof v !== 'object') throw new HttpError(400, 'invalid-request', 'a transfer is an object');
  if (!Number.isSafeInteger(v.amount) || (v.amount as number) <= 0) throw new HttpError(400, 'invalid-amount', 'amount must be a positive whole number of XOF');
  if (v.currency !== 'XOF') throw new HttpError(400, 'invalid-currency', 'currency must be XOF');
  if (typeof v.payeeMsisdn !== 'string' || !/^\d{8,15}$/.test(v.payeeMsisdn)) throw new HttpError(400, 'invalid-msisdn', 'payeeMsisdn must be 8 to 15 digits');
  return { amount: v.amount!, currency: 'XOF', payeeMsisdn: v.payeeMsisdn };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a simulated mobile-money agency: its HTTP API, its ledger and its faults. */
export async function startProviderSim(options: ProviderSimOptions = {}): Promise<ProviderSim> {
  const random = options.random ?? Math.random;
  const faults: SimFaults = { ...NO_FAULTS, ...options.faults };
  const ledger = new SimLedger(options.ledgerFile, faults.settleDelayMs);
  const bank = new BankLedger(options.bankLedgerFile ?? options.ledgerFile?.replace(/(\.jsonl)?$/, '.bank.jsonl'), () => faults, random);
  const buckets = new Map<string, TokenBucket>();
  let bucketRate: number | null = null;

  function limitRate(credential: string): void {
    if (faults.ratePerSecond === null) return;
    if (bucketRate !== faults.ratePerSecond) {
      buckets.clear();
      bucketRate = faults.ratePerSecond;
    }
    let bucket = buckets.get(credential);
    if (!bucket) buckets.set(credential, (bucket = new TokenBucket(faults.ratePerSecond)));
    const taken = bucket.tryTake();
    if (!taken.ok) throw new HttpError(429, 'rate-limited', 'too many requests', { 'retry-after': String(Math.max(1, Math.ceil(taken.waitMs / 1000))) });
  }

  /** One transfer, committed or refused; refusals that commit nothing are thrown. */
  function transfer(credential: string, idempotencyKey: string, request: TransferRequest): { status: number; transfer: Transfer } {
    const known = ledger.get(idempotencyKey);
    if (known) {
      if (known.amount !== request.amount || known.payeeMsisdn !== request.payeeMsisdn) {
        throw new HttpError(409, 'idempotency-conflict', 'this idempotency key was used for another transfer');
      }
      return { status: 200, transfer: known };
    }
    if (faults.invalidAccountSuffixes.some((suffix) => request.payeeMsisdn.endsWith(suffix))) {
      return { status: 201, transfer: ledger.commit(credential, idempotencyKey, request, { status: 'FAILED', reason: 'invalid-account' }) };
    }
    if (faults.dailyLimitFcfa !== null && ledger.spent(credential) + request.amount > faults.dailyLimitFcfa) {
      throw new HttpError(403, 'daily-limit', 'the daily limit of this account is reached');
    }
    return { status: 201, transfer: ledger.commit(credential, idempotencyKey, request, { status: 'PENDING' }) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;

    if (path === MOBILE_MONEY_PATHS.faults) {
      if (req.method === 'PUT') Object.assign(faults, (await readJson(req)) as Partial<SimFaults>);
      ledger.setSettleDelay(faults.settleDelayMs);
      return send(res, 200, faults);
    }

    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || auth.length <= 7) throw new HttpError(401, 'unauthorized', 'a bearer credential is required');
    const credential = auth.slice(7);
    limitRate(credential);
    const now = Date.now();
    if (faults.downtime.some((w) => Date.parse(w.from) <= now && now < Date.parse(w.to))) throw new HttpError(503, 'unavailable', 'the service is down for maintenance');
    const latency = faults.latencyMs + random() * faults.latencyJitterMs;
    if (latency > 0) await sleep(latency);
    if (faults.errorRate > 0 && random() < faults.errorRate) throw new HttpError(500, 'internal', 'internal error');
    let hangsAfterCommit = req.method === 'POST' && faults.timeoutAfterCommitRate > 0 && random() < faults.timeoutAfterCommitRate;
    /** Whether one of these keys was set to hang; each fires once. */
    const hangsFor = (keys: string[]): boolean => {
      const before = faults.hangAfterCommitKeys.length;
      if (before === 0) return false;
      faults.hangAfterCommitKeys = faults.hangAfterCommitKeys.filter((k) => !keys.includes(k));
      return faults.hangAfterCommitKeys.length < before;
    };

    let status: number;
    let body: unknown;
    const banking = await handleBank(bank, { method: req.method ?? 'GET', url, credential, json: () => readJson(req) });
    if (banking) {
      if (hangsAfterCommit) {
        if (faults.hangMs > 0) await sleep(faults.hangMs);
        req.socket.destroy();
        return;
      }
      if ('xml' in banking) {
        res.writeHead(banking.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(banking.xml) });
        res.end(banking.xml);
        return;
      }
      return send(res, banking.status, banking.body);
    } else if (req.method === 'POST' && path === MOBILE_MONEY_PATHS.transfers) {
      const key = req.headers[IDEMPOTENCY_HEADER];
      if (typeof key !== 'string' || key.length === 0 || key.length > 128) throw new HttpError(400, 'missing-idempotency-key', `${IDEMPOTENCY_HEADER} is required (at most 128 characters)`);
      ({ status, transfer: body } = transfer(credential, key, parseTransferRequest(await readJson(req))));
      if (hangsFor([key])) hangsAfterCommit = true;
    } else if (req.method === 'POST' && path === MOBILE_MONEY_PATHS.bulk) {
      const request = (await readJson(req)) as Partial<BulkTransferRequest>;
      if (!Array.isArray(request?.transfers) || request.transfers.length === 0 || request.transfers.length > MAX_BULK) {
        throw new HttpError(400, 'invalid-request', `transfers must hold 1 to ${MAX_BULK} items`);
      }
      const results: BulkTransferResponse['results'] = ledger.inOneWrite(() => request.transfers!.map((item) => {
        const idempotencyKey = String((item as { idempotencyKey?: unknown })?.idempotencyKey ?? '');
        try {
          if (!idempotencyKey || idempotencyKey.length > 128) throw new HttpError(400, 'missing-idempotency-key', 'each item needs an idempotencyKey');
          return { idempotencyKey, transfer: transfer(credential, idempotencyKey, parseTransferRequest(item)).transfer };
        } catch (err) {
          if (!(err instanceof HttpError)) throw err;
          return { idempotencyKey, error: { code: err.code, message: err.message } };
        }
      }));
      if (hangsFor(results.filter((r) => r.transfer).map((r) => r.idempotencyKey))) hangsAfterCommit = true;
      status = 200;
      body = { results } satisfies BulkTransferResponse;
    } else if (req.method === 'GET' && path === MOBILE_MONEY_PATHS.transfers) {
      const key = url.searchParams.get('idempotencyKey');
      const found = key ? ledger.get(key) : undefined;
      if (!found) throw new HttpError(404, 'not-found', 'no transfer under this idempotency key');
      status = 200;
      body = found;
    } else if (req.method === 'GET' && path.startsWith(`${MOBILE_MONEY_PATHS.transfers}/`)) {
      const found = ledger.getByReference(decodeURIComponent(path.slice(MOBILE_MONEY_PATHS.transfers.length + 1)));
      if (!found) throw new HttpError(404, 'not-found', 'no transfer with this reference');
      status = 200;
      body = found;
    } else if (req.method === 'GET' && path === MOBILE_MONEY_PATHS.statement) {
      const after = Number(url.searchParams.get('after') ?? 0);
      const limit = Math.min(STATEMENT_PAGE_MAX, Number(url.searchParams.get('limit') ?? STATEMENT_PAGE_MAX));
      if (!Number.isSafeInteger(after) || after < 0 || !Number.isSafeInteger(limit) || limit < 1) throw new HttpError(400, 'invalid-page', 'after and limit are whole numbers');
      status = 200;
      body = ledger.statementPage(after, limit);
    } else {
      throw new HttpError(404, 'not-found', `no route ${req.method} ${path}`);
    }

    if (hangsAfterCommit) {
      if (faults.hangMs > 0) await sleep(faults.hangMs);
      req.socket.destroy();
      return;
    }
    send(res, status, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || req.socket.destroyed) return;
      if (err instanceof HttpError || err instanceof BankHttpError) {
        const body: AgencyErrorBody = { error: { code: err.code, message: err.message } };
        return send(res, err.status, body, err instanceof HttpError ? err.headers : {});
      }
      send(res, 500, { error: { code: 'internal', message: String(err) } } satisfies AgencyErrorBody);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    ledger,
    bank,
    faults,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      ledger.close();
      bank.close();
    },
  };
}
