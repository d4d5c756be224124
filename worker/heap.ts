// The worker process's V8 heap limit. Without one, Node on a machine with tens of GB lets garbage grow
// to gigabytes before collecting: a million-payment run peaked above 500 MB of resident memory.
// With 256 MB of old space the same run stays near 330 MB, for a few percent more time in collection.

export const WORKER_HEAP_MB = 256;

/** Node's arguments for a worker process: its heap limit, from JIGI_WORKER_HEAP_MB or the default. */
export function workerNodeArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  const mb = Number(env.JIGI_WORKER_HEAP_MB ?? WORKER_HEAP_MB);
  if (!Number.isSafeInteger(mb) || mb < 64) throw new Error(`JIGI_WORKER_HEAP_MB must be a whole number of MB, at least 64: ${env.JIGI_WORKER_HEAP_MB}`);
  return [`--max-old-space-size=${mb}`];
}
