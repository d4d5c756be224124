import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const historiesDir = fileURLToPath(new URL('../replay/histories', import.meta.url));

/** With JIGI_RECORD_HISTORIES=1, a scenario's finished history is saved for the replay tests. */
export async function maybeRecordHistory(client: Client, workflowId: string, workflow: string, scenario: string) {
  if (process.env.JIGI_RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const file = join(historiesDir, workflow, `${scenario}.json`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1) + '\n');
}
