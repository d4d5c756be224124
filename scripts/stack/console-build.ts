import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const consoleBuildDir = join(root, 'console', 'build');

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the console when its sources, the shared domain or the API contract changed since the last build. */
export async function ensureConsoleBuilt(log: (line: string) => void): Promise<string> {
  const index = join(consoleBuildDir, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const inputs = await Promise.all(['console/src', 'domain', 'api/realtime'].map((dir) => newestMtime(join(root, dir))));
    if (Math.max(...inputs) < built) return consoleBuildDir;
  }
  log('building the console (about 20 s)…');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the console build failed (exit ${code})`))));
  });
  return consoleBuildDir;
}
