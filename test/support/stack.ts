import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../db/client';
import type { SessionPolicy } from '../../api/auth/session-store';
import type { ThrottlePolicy } from '../../api/auth/throttle';
import type { RealtimeServer } from '../../api/realtime/server';
import { recordWorkflowIds } from '../../api/request-context';
import type { Logger } from '../../observability/log';
import { startApiServer } from '../../api/server';
import type { GrievanceSettings } from '../../domain/grievances';
import { createWorker } from '../../worker/create-worker';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  runtimeInstalled = true;
}

/** A database of this test file's own, copied from the run's migrated template. */
export async function createTestDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(inject('postgresAdminUrl'), { max: 1, onnotice: () => {} });
  const name = `jigi_test_${inject('runId')}_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomUUID().slice(0, 6)}`;
  await admin.unsafe(`create database "${name}" template "${inject('templateDatabase')}"`);
  await admin.end();
  const url = new URL(inject('postgresAdminUrl'));
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const sql = postgres(inject('postgresAdminUrl'), { max: 1, onnotice: () => {} });
      await sql.unsafe(`drop database if exists "${name}" with (force)`);
      await sql.end();
    },
  };
}

export interface TestStack {
  databaseUrl: string;
  filesDir: string;
  database: Database;
  client: Client;
  taskQueue: string;
  temporalAddress: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startApi(options?: { consoleDir?: string; sessionPolicy?: SessionPolicy; throttlePolicy?: ThrottlePolicy; grievanceSettings?: GrievanceSettings; log?: Logger }): Promise<{ url: string; io: RealtimeServer }>;
  stop(): Promise<void>;
}

/** Real Postgres database + real Temporal + an in-process worker on a task queue of this file's own. */
export async function startTestStack(label: string, options: { worker?: boolean } = {}): Promise<TestStack> {
  quietRuntime();
  const temporalAddress = inject('temporalAddress');
  const testDb = await createTestDatabase(label);
  const database = createDatabase(testDb.url, { max: 5 });
  // Grievance references come from a per-database sequence and name their workflows; the test files
  // share one Temporal server, so each database starts its sequence somewhere of its own.
  await database.sql`select setval('grievance_reference_seq', ${1_000_000 + Math.floor(Math.random() * 1_000_000_000)})`;
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, interceptors: { workflow: [recordWorkflowIds] } });
  const taskQueue = `test-${label}-${randomUUID().slice(0, 8)}`;
  const filesDir = await mkdtemp(join(tmpdir(), `jigi-files-${label}-`));
  let worker: { worker: Worker; running: Promise<void>; connection: NativeConnection } | null = null;
  let api: Awaited<ReturnType<typeof startApiServer>> | null = null;

  const stack: TestStack = {
    databaseUrl: testDb.url,
    filesDir,
    database,
    client,
    taskQueue,
    temporalAddress,
    async startWorker() {
      if (worker) return;
      const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
      const created = await createWorker({
        connection: nativeConnection,
        namespace: 'default',
        database,
        taskQueue,
        workflowBundle: { codePath: inject('workflowBundlePath') },
      });
      worker = { worker: created, running: created.run(), connection: nativeConnection };
    },
    async stopWorker() {
      if (!worker) return;
      const { worker: w, running, connection: c } = worker;
      worker = null;
      w.shutdown();
      await running;
      await c.close();
    },
    async startApi(apiOptions = {}) {
      api ??= await startApiServer({ database, temporal: client, taskQueue, port: 0, host: '127.0.0.1', filesDir, ...apiOptions });
      return { url: api.url, io: api.realtime.io };
    },
    async stop() {
      await api?.close();
      await stack.stopWorker();
      await connection.close();
      await database.close();
      await testDb.drop();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
  if (options.worker !== false) await stack.startWorker();
  return stack;
}

export const demoCycleInput = (name = `Cycle ${randomUUID().slice(0, 8)}`) => ({
  name,
  description: '',
  transferAmountFcfa: 90_000,
  targetHouseholds: 1_000_000,
  fundingSources: [
    { source: 'world-bank-af2' as const, amountFcfa: 45_000_000_000 },
    { source: 'pgfs' as const, amountFcfa: 45_000_000_000 },
  ],
});
