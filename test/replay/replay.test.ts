import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { historiesDir } from '../support/histories';

interface RecordedHistory {
  workflowId: string;
  history: unknown;
}

async function recorded() {
  const out: Array<{ name: string; workflowId: string; history: ReturnType<typeof historyFromJSON> }> = [];
  for (const workflow of await readdir(historiesDir)) {
    for (const file of await readdir(join(historiesDir, workflow))) {
      if (!file.endsWith('.json')) continue;
      const { workflowId, history } = JSON.parse(await readFile(join(historiesDir, workflow, file), 'utf8')) as RecordedHistory;
      out.push({ name: `${workflow}/${file}`, workflowId, history: historyFromJSON(history) });
    }
  }
  return out;
}

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
});

describe('recorded workflow histories', () => {
  it('every committed history replays on the current workflow code (a non-deterministic change fails here)', async () => {
    const histories = await recorded();
    expect(histories.map((h) => h.name)).toEqual(
      expect.arrayContaining(['program-cycle/completed.json', 'program-cycle/paused-resumed.json', 'program-cycle/cancelled.json']),
    );
    const results = Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') } },
      histories.map(({ workflowId, history }) => ({ workflowId, history })),
    );
    const failures: string[] = [];
    for await (const result of results) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
