import { spawn } from 'node:child_process';

/** The maintenance database of DATABASE_URL's server, where benchmarks create and drop their own. */
export const adminUrl = (() => {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = '/postgres';
  return url.toString();
})();

export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/**
 * A synthetic register from gen:rsu, in its own process so a benchmark's peak memory is not the
 * generator's. No malformed rows: COPY, the import's baseline, refuses a whole file for one bad row.
 */
export const generateRegister = (args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/gen-rsu.ts', '--seed', '1', '--malformed', '0', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gen:rsu exited with ${code}`))));
  });
