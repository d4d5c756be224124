import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { startApiServer } from '../../api/server';
import type { CycleEvent } from '../../domain/events';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';

type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let stack: TestStack;
let nodeA: string;
let nodeB: Awaited<ReturnType<typeof startApiServer>>;
const sockets: ConsoleSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack('live');
  nodeA = (await stack.startApi()).url;
  // A second API process's worth of state: its own server, Socket.IO and LISTEN connection.
  nodeB = await startApiServer({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue, port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await nodeB?.close();
  await stack?.stop();
});

async function openSocket(url: string): Promise<ConsoleSocket> {
  const socket: ConsoleSocket = connect(url, { transports: ['websocket'], reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

function nextEvent(socket: ConsoleSocket, match: (e: CycleEvent) => boolean, timeoutMs: number): Promise<CycleEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
    const onEvent = (event: CycleEvent) => {
      if (!match(event)) return;
      clearTimeout(timer);
      socket.off('cycle:changed', onEvent);
      resolve(event);
    };
    socket.on('cycle:changed', onEvent);
  });
}

async function post(base: string, path: string, body: unknown) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

describe('live status stream', () => {
  it('a console on one API node sees, within a second, a phase advanced through another node', async () => {
    const created = await post(nodeA, '/api/cycles', demoCycleInput());
    const cycleId = created.body.cycle.id as string;
    const socket = await openSocket(nodeB.url);
    expect(await socket.emitWithAck('cycle:watch', cycleId)).toEqual({ ok: true });
    await expect.poll(async () => (await (await fetch(`${nodeA}/api/cycles/${cycleId}`)).json()).cycle.currentPhase).toBe('training');

    const received = nextEvent(socket, (e) => e.kind === 'phase-completed' && e.phase === 'training', 1000);
    const started = Date.now();
    const advanced = await post(nodeA, `/api/cycles/${cycleId}/phases/training/complete`, {});
    expect(advanced.status).toBe(200);
    const event = await received;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(event).toMatchObject({ cycleId, actor: 'coordination.demo' });
    expect(event.state.phases.find((p) => p.phase === 'training')!.status).toBe('completed');
  });

  it('the list room receives every cycle, and a cycle room only its own cycle', async () => {
    const listSocket = await openSocket(nodeA);
    expect(await listSocket.emitWithAck('cycles:watch')).toEqual({ ok: true });
    const first = (await post(nodeA, '/api/cycles', demoCycleInput())).body.cycle.id as string;
    const second = (await post(nodeA, '/api/cycles', demoCycleInput())).body.cycle.id as string;

    const oneCycleSocket = await openSocket(nodeB.url);
    await oneCycleSocket.emitWithAck('cycle:watch', first);
    const foreign: CycleEvent[] = [];
    oneCycleSocket.on('cycle:changed', (e) => e.cycleId !== first && foreign.push(e));

    const listSaw = nextEvent(listSocket, (e) => e.cycleId === second && e.kind === 'cycle-cancelled', 2000);
    const ownSaw = nextEvent(oneCycleSocket, (e) => e.cycleId === first && e.kind === 'cycle-paused', 2000);
    await post(nodeA, `/api/cycles/${second}/cancel`, { reason: 'Doublon du cycle précédent' });
    await post(nodeA, `/api/cycles/${first}/pause`, { reason: 'Revue budgétaire' });
    await Promise.all([listSaw, ownSaw]);
    expect(foreign).toEqual([]);
  });

  it('refuses to watch something that is not a cycle id', async () => {
    const socket = await openSocket(nodeA);
    expect(await socket.emitWithAck('cycle:watch', '../../etc')).toEqual({ ok: false, error: 'Unknown cycle id' });
  });

  it('events carry an increasing version so a console can drop stale ones', async () => {
    const cycleId = (await post(nodeA, '/api/cycles', demoCycleInput())).body.cycle.id as string;
    const socket = await openSocket(nodeA);
    const versions: number[] = [];
    socket.on('cycle:changed', (e) => e.cycleId === cycleId && versions.push(e.state.version));
    await socket.emitWithAck('cycle:watch', cycleId);
    await post(nodeA, `/api/cycles/${cycleId}/phases/training/complete`, {});
    await post(nodeA, `/api/cycles/${cycleId}/phases/targeting/complete`, {});
    const latest = (await (await fetch(`${nodeA}/api/cycles/${cycleId}`)).json()).cycle.version as number;
    await expect.poll(() => Math.max(0, ...versions)).toBe(latest);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.length).toBeGreaterThanOrEqual(4);
  });
});
