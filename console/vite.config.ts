import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const consoleDir = resolve(fileURLToPath(new URL('.', import.meta.url)));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// SvelteKit takes the working directory as the Vite root and reads svelte.config.js, src/ and .svelte-kit/
// from it, while the root scripts run from the repo root: move into console/ before its plugin loads.
// (SvelteKit's build workers inherit that directory and may not chdir.)
if (process.cwd() !== consoleDir) process.chdir(consoleDir);
const { sveltekit } = await import('@sveltejs/kit/vite');

const apiUrl = process.env.JIGI_API_URL ?? 'http://localhost:3000';
const proxy = {
  '/api': { target: apiUrl, changeOrigin: true },
  '/socket.io': { target: apiUrl, ws: true, changeOrigin: true },
};

export default defineConfig({
  plugins: [sveltekit()],
  // domain/ and api/ (types) live beside console/, in the repo root.
  server: { proxy, fs: { allow: [repoRoot] } },
  preview: { proxy },
});
