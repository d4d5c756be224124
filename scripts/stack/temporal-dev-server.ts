import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';

type Log = (line: string) => void;

// Later CLI tags no longer build with `go install` (replace directives in go.mod).
const CLI_VERSION = '1.5.1';
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;
const HEARTBEAT_MS = 15_000;

const require = createRequire(import.meta.url);

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'jigi');
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutableFile(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

function elapsed(since: number): string {
  const s = Math.round((Date.now() - since) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Runs a long command, streaming its output lines and a periodic heartbeat through `log`. */
async function runWithProgress(
  label: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log: Log,
): Promise<void> {
  const started = Date.now();
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new LineTail(20);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (!line.trim()) return;
      tail.push(line);
      log(`${label}: ${line}`);
    });
  }
  const heartbeat = setInterval(() => log(`${label}: still working (${elapsed(started)} elapsed)`), HEARTBEAT_MS);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('close', (c, s) => done([c, s]));
    });
    if (code !== 0) {
      throw new Error(`${label} failed (${signal ?? `exit ${code}`}) after ${elapsed(started)}:\n${tail.text()}`);
    }
    log(`${label}: finished in ${elapsed(started)}`);
  } finally {
    clearInterval(heartbeat);
  }
}

async function buildWithGo(go: string, target: string, log: Log): Promise<string> {
  const buildDir = `${dirname(target)}.build-${process.pid}`;
  await rm(buildDir, { recursive: true, force: true });
  await mkdir(buildDir, { recursive: true });
  try {
    log(`temporal CLI not found; building v${CLI_VERSION} with go into ${dirname(target)} (one-time, takes a few minutes)`);
    await runWithProgress(
      'go install temporal',
      go,
      ['install', `github.com/temporalio/cli/cmd/temporal@v${CLI_VERSION}`],
      { ...process.env, GOBIN: buildDir },
      log,
    );
    await mkdir(dirname(target), { recursive: true });
    await rename(join(buildDir, 'temporal'), target);
    return target;
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

function sdkDownloadTarget(): { dir: string; file: string } {
  const { version } = require('@temporalio/testing/package.json') as { version: string };
  const dir = join(cacheDir(), 'temporal-sdk-download');
  // Mirrors sdk-core's ephemeral_server naming: `temporal-<sdk-name>-<sdk-version>`.
  return { dir, file: join(dir, `temporal-sdk-typescript-${version}`) };
}

/**
 * The SDK only downloads as a side effect of starting a server, so this starts (and
 * immediately tears down) an in-memory dev server in a throwaway Node process. The
 * separate process keeps the SDK's Runtime singleton and its signal handlers out of ours.
 */
async function downloadViaSdk(log: Log): Promise<string> {
  const { dir, file } = sdkDownloadTarget();
  const script = `
    const { TestWorkflowEnvironment } = require(${JSON.stringify(require.resolve('@temporalio/testing'))});
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir: ${JSON.stringify(dir)} }, log: { format: 'pretty', level: 'error' } },
    }).then((env) => env.teardown()).then(() => process.exit(0), (err) => { console.error(String(err?.stack ?? err)); process.exit(1); });`;
  await mkdir(dir, { recursive: true });
  log(`temporal CLI not found and go unavailable; downloading it via @temporalio/testing into ${dir}`);
  try {
    await runWithProgress('sdk download', process.execPath, ['-e', script], process.env, log);
  } catch (err) {
    // Its dev server gets only 5 s to come up, which slow machines can miss after a good download.
    if (!(await isExecutableFile(file))) throw err;
  }
  if (!(await isExecutableFile(file))) throw new Error(`the SDK reported success but ${file} does not exist`);
  return file;
}

export async function resolveTemporalCli(log: (line: string) => void): Promise<string> {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (await isExecutableFile(fromEnv)) return resolve(fromEnv);
    throw new Error(`TEMPORAL_CLI=${fromEnv} is not an executable file`);
  }
  const onPath = await findOnPath('temporal');
  if (onPath) return onPath;

  const built = join(cacheDir(), `temporal-cli-${CLI_VERSION}`, 'temporal');
  if (await isExecutableFile(built)) return built;
  const failures: string[] = [];
  let sdkFile: string | undefined;
  try {
    sdkFile = sdkDownloadTarget().file;
    if (await isExecutableFile(sdkFile)) return sdkFile;
  } catch (err) {
    failures.push(`@temporalio/testing unavailable: ${message(err)}`);
  }

  const go = await findOnPath('go');
  if (go) {
    try {
      return await buildWithGo(go, built, log);
    } catch (err) {
      failures.push(message(err));
      log(`building the temporal CLI with go failed; trying the SDK download`);
    }
  } else {
    failures.push('go is not on PATH');
  }

  if (sdkFile) {
    try {
      return await downloadViaSdk(log);
    } catch (err) {
      failures.push(`SDK download failed: ${message(err)}`);
    }
  }

  throw new Error(
    [
      'Cannot start a local Temporal server: no `temporal` CLI found and none could be built or downloaded.',
      'Fix it one of these ways:',
      '  1. set TEMPORAL_ADDRESS to an existing Temporal cluster (e.g. TEMPORAL_ADDRESS=127.0.0.1:7233) so no local server is started;',
      '  2. put a `temporal` binary on PATH, or set TEMPORAL_CLI=/path/to/temporal (https://docs.temporal.io/cli);',
      `  3. install Go (https://go.dev/dl) so the CLI v${CLI_VERSION} can be built once into ${dirname(built)}.`,
      'What was tried:',
      ...failures.map((f) => `  - ${f.split('\n').join('\n    ')}`),
    ].join('\n'),
  );
}

function listenOnce(port: number): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') done(address.port);
        else fail(new Error('could not determine a free port'));
      });
    });
  });
}

export async function freePort(): Promise<number> {
  return listenOnce(0);
}

/** The last lines of a process's output, and its first few: a Go panic states its reason first, then a long trace. */
class LineTail {
  private readonly head: string[] = [];
  private readonly lines: string[] = [];
  private dropped = 0;
  constructor(
    private readonly max: number,
    private readonly keepFirst = 0,
  ) {}
  push(line: string): void {
    if (this.head.length < this.keepFirst) {
      this.head.push(line);
      return;
    }
    this.lines.push(line);
    if (this.lines.length > this.max) {
      this.lines.shift();
      this.dropped += 1;
    }
  }
  text(): string {
    const all = [...this.head, ...(this.dropped > 0 ? [`… ${this.dropped} line(s) …`] : []), ...this.lines];
    return all.length ? all.map((l) => `  | ${l}`).join('\n') : '  | (no output)';
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// A parent that exits without calling stop() must not leave the server holding its ports.
const liveServers = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  liveServers.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of liveServers) c.kill('SIGKILL');
  });
}

async function probe(address: string, namespace: string): Promise<void> {
  const connection = Connection.lazy({ address, connectTimeout: 2_000 });
  try {
    await connection.ensureConnected();
    await connection.withDeadline(Date.now() + 2_000, async () => {
      await connection.workflowService.getSystemInfo({});
      await connection.workflowService.describeNamespace({ namespace });
    });
  } finally {
    await connection.close();
  }
}

export async function startTemporalDevServer(opts: {
  dbFile?: string;
  port?: number;
  uiPort?: number | false;
  namespace?: string;
  log: (line: string) => void;
}): Promise<{ address: string; uiUrl: string | undefined; stop(): Promise<void> }> {
  const { log } = opts;
  const cli = await resolveTemporalCli(log);
  // Otherwise the readiness probe could be answered by whatever already listens there.
  if (opts.port !== undefined) {
    await listenOnce(opts.port).catch((err: unknown) => {
      throw new Error(`cannot start temporal dev server on 127.0.0.1:${opts.port}: ${message(err)}`);
    });
  }
  const port = opts.port ?? (await freePort());
  const uiPort = opts.uiPort === false ? undefined : (opts.uiPort ?? (await freePort()));
  const namespace = opts.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;

  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)];
  if (opts.dbFile) {
    const dbFile = resolve(opts.dbFile);
    await mkdir(dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
  }
  args.push(...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]));
  args.push('--log-level', 'warn', '--namespace', namespace);

  const child = spawn(cli, args, {
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  const output = new LineTail(30, 12);
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => output.push(line));
  }

  let exitStatus: string | undefined;
  let stopping = false;
  let ready = false;
  const exited = new Promise<void>((done) => {
    const onGone = (status: string) => {
      if (exitStatus !== undefined) return;
      exitStatus = status;
      liveServers.delete(child);
      if (ready && !stopping) log(`temporal dev server at ${address} exited unexpectedly (${status}):\n${output.text()}`);
      done();
    };
    child.once('error', (err) => onGone(`spawn error: ${err.message}`));
    child.once('exit', (code, signal) => onGone(signal ?? `exit ${code}`));
  });

  const waitForExit = (ms: number) =>
    new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), ms);
      void exited.then(() => {
        clearTimeout(timer);
        done(true);
      });
    });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      if (exitStatus !== undefined) return;
      child.kill('SIGTERM');
      if (!(await waitForExit(STOP_GRACE_MS))) {
        child.kill('SIGKILL');
        await exited;
      }
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  for (;;) {
    if (exitStatus !== undefined) {
      throw new Error(`temporal dev server (${cli}) exited before becoming ready (${exitStatus}):\n${output.text()}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `temporal dev server at ${address} not ready after ${READY_TIMEOUT_MS / 1000}s (last error: ${message(lastError)}):\n${output.text()}`,
      );
    }
    try {
      await probe(address, namespace);
      break;
    } catch (err) {
      lastError = err;
      await Promise.race([sleep(250), exited]);
    }
  }
  ready = true;
  return { address, uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`, stop };
}
