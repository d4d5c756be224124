/**
 * Wraps a refetch so that at most one runs at a time: calls made while it runs collapse into a single
 * trailing run, which starts after the current one and so sees every change that triggered it.
 */
export function coalesce(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await task();
        } while (again);
      } finally {
        running = null;
      }
    })();
    return running;
  };
}

/** A coalesced refetch that keeps its last failure on its owner, for the page to show (null once one succeeds). */
export function refresher(owner: { refreshError: unknown }, task: () => Promise<void>): () => Promise<void> {
  return coalesce(async () => {
    try {
      await task();
      owner.refreshError = null;
    } catch (err) {
      owner.refreshError = err;
    }
  });
}
