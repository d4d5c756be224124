import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientToServerEvents, ServerToClientEvents } from '../../api/realtime/contract';
import { startApiServer } from '../../api/server';
import type { CycleEvent } from '../../domain/events';
import type { ApiSession } from '../../scripts/api-session';
import { demoCycleInput, startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

type ConsoleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

let stack: TestStack;
let nodeA: string;
let nodeB: Awaited<ReturnType<typeof startApiServer>>;
let coordinator: ApiSession;
const sockets: ConsoleSocket[] = [];

beforeAll(async () => {
  stack = await startTestStack('live');
  nodeA = (await stack.startApi()).url;
  // A second API process's worth of state: its own server, Socket.IO and LISTEN connection.
  nodeB = await startApiServer({ database: stack.database, temporal: stack.client, taskQueue: stack.taskQueue, filesDir: stack.filesDir, port: 0, host: '127.0.0.1' });
  coordinator = await signInAs(stack.database, nodeA, ['coordinator']);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await nodeB?.close();
  await stack?.stop();
});

async function openSocket(url: string, session: ApiSession = coordinator, origin?: string): Promise<ConsoleSocket> {
  const extraHeaders: Record<string, string> = { cookie: session.cookie, ...(origin ? { origin } : {}) };
  const socket: ConsoleSocket = connect(url, { transports: ['websocket'], reconnection: false, extraHeaders });
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

/** Changes go through node A, with the coordinator's session (valid on every node: sessions live in Postgres). */
function post(_base: string, path: string, body: unknown) {
  return coordinator.call('POST', path, body);
}

async function get(path: string) {
  return (await coordinator.call('GET', path)).body;
}

describe('live status stream', () => {
  it('a console on one API node sees, within a second, a phase advanced through another node', async () => {
    const created = await post(nodeA, '/api/cycles', demoCycleInput());
    const cycleId = created.body.cycle.id as string;
    const socket = await openSocket(nodeB.url);
    expect(await socket.emitWithAck('cycle:watch', cycleId)).toEqual({ ok: true });
    await expect.poll(async () => (await get(`/api/cycles/${cycleId}`)).cycle.currentPhase).toBe('training');

    const received = nextEvent(socket, (e) => e.kind === 'phase-completed' && e.phase === 'training', 1000);
    const started = Date.now();
    const advanced = await post(nodeA, `/api/cycles/${cycleId}/phases/training/complete`, {});
    expect(advanced.status).toBe(200);
    const event = await received;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(event).toMatchObject({ cycleId, actor: (await get('/api/auth/me')).user.username });
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
    const latest = (await get(`/api/cycles/${cycleId}`)).cycle.version as number;
    await expect.poll(() => Math.max(0, ...versions)).toBe(latest);
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.length).toBeGreaterThanOrEqual(4);
  });

  it('refuses a socket without a session', async () => {
    const socket: ConsoleSocket = connect(nodeA, { transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    const error = await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(error.message).toBe('unauthenticated');
  });

  it('refuses a socket opened from a page of another origin, even with a valid session cookie', async () => {
    const socket: ConsoleSocket = connect(nodeA, { transports: ['websocket'], reconnection: false, extraHeaders: { cookie: coordinator.cookie, origin: 'https://evil.example' } });
    sockets.push(socket);
    await new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(socket.connected).toBe(false);
    const allowed = await openSocket(nodeA, coordinator, nodeA);
    expect(allowed.connected).toBe(true);
  });

  it("signing out drops that session's live connections on every node at once", async () => {
    const officer = await signInAs(stack.database, nodeA, ['me-officer']);
    const onA = await openSocket(nodeA, officer);
    const onB = await openSocket(nodeB.url, officer);
    const dropped = (s: ConsoleSocket) => new Promise<string>((resolve) => s.once('disconnect', resolve));
    const reasons = Promise.all([dropped(onA), dropped(onB)]);
    expect((await officer.call('POST', '/api/auth/logout')).status).toBe(204);
    expect(await reasons).toEqual(['io server disconnect', 'io server disconnect']);
  });
});
