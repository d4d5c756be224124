import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { workerNodeArgs } from '../../worker/heap';
import type { TestStack } from './stack';

/** The real worker process, as `npm start` runs it, on the stack's database and task queue. */
export async function startWorkerProcess(stack: TestStack, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...workerNodeArgs(), '--import', 'tsx', 'worker/main.ts'], {
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test file that ends without its afterAll (a timeout, a crash) must not leave a worker polling behind it.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  child.once('exit', () => process.off('exit', orphanGuard));
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output += d;
      if (output.includes('polling task queue')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before polling:\n${output}`)));
  });
  return child;
}

/** SIGKILL: no shutdown, no last heartbeat; what it had in flight is lost to it. */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
