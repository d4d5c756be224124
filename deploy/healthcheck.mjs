/* global process, fetch, AbortSignal */
// Container health check without curl in the image: exit 0 when the URL answers 2xx within 3 s.
const url = process.argv[2];
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
