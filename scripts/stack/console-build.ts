import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
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
  // Test files run in parallel and each may ask: one builds, the others wait and find it fresh.
  await takeLock();
  try {
    return await buildIfStale(log);
  } finally {
    await rm(BUILD_LOCK, { recursive: true, force: true });
  }
}

const BUILD_LOCK = join(root, 'console', '.build-lock');
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 5 * 60_000;

async function takeLock() {
  for (;;) {
    try {
      await mkdir(BUILD_LOCK);
      return;
    } catch {
      const age = Date.now() - (statSync(BUILD_LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) await rm(BUILD_LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function buildIfStale(log: (line: string) => void): Promise<string> {
  const index = join(consoleBuildDir, 'index.html');
  if (existsSync(index)) {
    const built = statSync(index).mtimeMs;
    const inputs = await Promise.all(['console/src', 'domain', 'api/realtime'].map((dir) => newestMtime(join(root, dir))));
    if (Math.max(...inputs) < built) return consoleBuildDir;
  }
  log('building the console (about 20 s)…');
  // sync first: it writes .svelte-kit/tsconfig.json, which console/tsconfig.json extends.
  await node([join(root, 'node_modules', '@sveltejs', 'kit', 'svelte-kit.js'), 'sync'], join(root, 'console'));
  await node([join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'console/vite.config.ts', '--logLevel', 'warn'], root);
  return consoleBuildDir;
}

function node(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, stdio: 'inherit' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the console build failed (exit ${code})`))));
  });
}
