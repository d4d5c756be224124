import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { buildLists, createSigners, followPayments, reconcileWithStatement, releaseLists, seedDisbursement, startRuns } from '../../bench/disbursement';
import { createDatabase, type Database } from '../../db/client';
import type { CycleEvent } from '../../domain/events';
import { CLUSTER_READY, type ClusterLayout } from '../../scripts/cluster-local';
import { stopChild } from '../../scripts/stack/child-process';
import { createTestDatabase, demoCycleInput } from '../support/stack';
import { signInAs } from '../support/users';

const HOUSEHOLDS = 2_000;

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
let cluster: ChildProcess;
let layout: ClusterLayout;
let database: Database;
let connection: Connection;
let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
let output = '';
const taskQueue = `cluster-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  testDb = await createTestDatabase('cluster');
  dir = await mkdtemp(join(tmpdir(), 'jigi-cluster-'));
  // `npm run cluster:local` on this run's Postgres and Temporal, on free ports.
  cluster = spawn(process.execPath, ['--import', 'tsx', 'scripts/cluster-local.ts', '--api-port', '0', '--metrics-port', '0', '--sim-port', '0', '--data-dir', dir], {
    env: { ...process.env, DATABASE_URL: testDb.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue, JIGI_WORKFLOW_BUNDLE: inject('workflowBundlePath') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const orphanGuard = () => cluster.kill('SIGKILL');
  process.once('exit', orphanGuard);
  cluster.stderr!.on('data', (d) => (output += d));
  layout = await new Promise<ClusterLayout>((resolve, reject) => {
    createInterface({ input: cluster.stdout! }).on('line', (line) => {
      output += `${line}\n`;
      const at = line.indexOf(CLUSTER_READY);
      if (at >= 0) resolve(JSON.parse(line.slice(at + CLUSTER_READY.length)) as ClusterLayout);
    });
    cluster.once('exit', (code) => reject(new Error(`cluster:local exited (${code}) before it was ready:\n${output}`)));
  });
  database = createDatabase(testDb.url, { max: 4 });
  connection = await Connection.connect({ address: inject('temporalAddress') });
}, 120_000);
afterAll(async () => {
  socket?.disconnect();
  if (cluster) await stopChild(cluster, 30_000);
  await connection?.close();
  await database?.close();
  await testDb?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('npm run cluster:local', () => {
  it('starts two API nodes and three workers on one database and one Temporal', () => {
    expect(layout.apis).toHaveLength(2);
    expect(layout.workers).toHaveLength(3);
    expect(new Set(layout.apis).size).toBe(2);
  });

  it('a console connected to node A sees, live, a cycle created through node B', async () => {
    const [a, b] = layout.apis as [string, string];
    const coordinator = await signInAs(database, b, ['coordinator']);
    socket = connect(a, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: coordinator.cookie } });
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', resolve);
      socket!.once('connect_error', reject);
    });
    expect(await socket.timeout(5_000).emitWithAck('cycles:watch')).toEqual({ ok: true });
    const seen: CycleEvent[] = [];
    socket.on('cycle:changed', (event) => seen.push(event));
    const created = await coordinator.call('POST', '/api/cycles', demoCycleInput());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const cycleId = created.body.cycle.id as string;
    const deadline = Date.now() + 15_000;
    while (!seen.some((e) => e.cycleId === cycleId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(seen.some((e) => e.cycleId === cycleId)).toBe(true);
  });

  it('a worker SIGKILLed mid-disbursement: the two others finish it, nobody paid twice, nobody lost, totals equal to the franc', { timeout: 90_000 }, async () => {
    const [, b] = layout.apis as [string, string];
    // One list per agency, so the kill lands while batches are being sent (each run reconciles a list
    // once its last batch is done; that activity's heartbeat timeout is minutes, not what is tested here).
    const seeded = await seedDisbursement(database, { households: HOUSEHOLDS, perCommune: HOUSEHOLDS / 2, agencies: 2, batchSize: 50, bulkSize: null, ratePerSecond: 150, simUrl: layout.providerSim, invalidEvery: 0 }, 'Grappe');
    const batches = await buildLists(database, seeded, 50);
    await releaseLists(await createSigners(database, b), seeded);
    const follow = await followPayments(database, seeded.cycleId);
    try {
      const runs = await startRuns(new Client({ connection }), taskQueue, seeded, batches, 4);
      const finished = Promise.all(runs.map((r) => r.result()));
      while (follow.counts().confirmed < HOUSEHOLDS * 0.25) await new Promise((r) => setTimeout(r, 50));
      const victim = layout.workers[0]!.pid;
      process.kill(victim, 'SIGKILL');
      await finished;
      expect(output).toMatch(/worker-1 stopped \(SIGKILL\); the other nodes go on/);

      const report = await reconcileWithStatement(database, layout.providerSim, seeded.cycleId);
      expect(report).toMatchObject({ beneficiaries: HOUSEHOLDS, paidOnce: HOUSEHOLDS, paidTwice: 0, lost: 0, confirmedNotPaid: 0, paidNotConfirmed: 0, amountDiffers: 0 });
      expect(report.ledgerTotalFcfa).toBe(report.statementTotalFcfa);
      expect(report.ledgerTotalFcfa).toBe(HOUSEHOLDS * 90_000);
    } finally {
      await follow.stop();
    }
  });
});
