import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildOptions {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  /** Node's own arguments before the script (a worker's heap limit). */
  nodeArgs?: string[];
  /** The child is ready once a line of its output contains this. */
  readyLine: string;
  /** Each line it writes, already prefixed with its name. */
  print: (line: string) => void;
  /** Called when it exits after being ready (not when it fails to start: the returned promise rejects then). */
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/** A long-running TypeScript child of the repo (`node --import tsx script`), its lines prefixed, resolved with its first line holding readyLine. */
export function startChild(options: ChildOptions): Promise<{ child: ChildProcess; readyLine: string }> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.script], { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  // Whoever started it may die without its teardown: the child must not outlive it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  return new Promise((resolve, reject) => {
    let ready = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        options.print(`[${options.name}] ${line.replace(/^\[(api|worker)\] /, '')}`);
        if (!ready && line.includes(options.readyLine)) {
          ready = true;
          resolve({ child, readyLine: line });
        }
      });
    }
    child.once('exit', (code, signal) => {
      process.off('exit', orphanGuard);
      if (ready) options.onExit?.(code, signal);
      else reject(new Error(`${options.name} exited (${signal ?? `exit ${code}`}) before it was ready`));
    });
  });
}

/** SIGTERM, then SIGKILL after graceMs: resolves once it has exited. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * What a launcher (`npm start`, `npm run cluster:local`) stops on Ctrl-C or a fatal error: its
 * children first (SIGTERM, so workers hand back activities and API nodes drain), then the
 * services it started, in reverse order, then it exits.
 */
export function createLauncher(say: (line: string) => void) {
  const children: ChildProcess[] = [];
  const stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  let shuttingDown = false;
  const launcher = {
    children,
    stops,
    get shuttingDown() {
      return shuttingDown;
    },
    async shutdown(code: number) {
      if (shuttingDown) return;
      shuttingDown = true;
      say('stopping…');
      await Promise.all(children.map((child) => stopChild(child, 30_000)));
      for (const { name, stop } of stops.reverse()) await stop().catch((err: unknown) => say(`could not stop ${name}: ${String(err)}`));
      say('stopped.');
      process.exit(code);
    },
    /** Call again after starting embedded Postgres: its module installs exit hooks that would exit before the children have drained. */
    onSignals() {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
        process.removeAllListeners(signal);
        process.on(signal, () => void launcher.shutdown(0));
      }
    },
  };
  return launcher;
}
