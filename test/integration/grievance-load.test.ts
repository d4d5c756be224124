import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { households } from '../../db/schema';
import { grievanceWorkflowId } from '../../domain/ids';
import type { ApiSession } from '../../scripts/api-session';
import { startTestStack, type TestStack } from '../support/stack';
import { signInAs } from '../support/users';

let stack: TestStack;
let officer: ApiSession;
const HOUSEHOLDS = 900;
const rsu = (n: number) => `RSU-LOAD-${String(n).padStart(5, '0')}`;

beforeAll(async () => {
  stack = await startTestStack('grievance-load');
  const base = (await stack.startApi()).url;
  const rows = Array.from({ length: HOUSEHOLDS }, (_, i) => ({ rsuId: rsu(i), headName: `Chef ${i}`, sex: 'M' as const, birthYear: 1970, phone: null, communeCode: 'KAY-001', village: 'Kalaban', householdSize: 5, foodInsecure: true, covidCase: false, covidHit: false }));
  for (let i = 0; i < rows.length; i += 300) await stack.database.db.insert(households).values(rows.slice(i, i + 300));
  officer = await signInAs(stack.database, base, ['grievance-officer']);
}, 60_000);
afterAll(() => stack?.stop());

/** Runs the tasks with at most `limit` in flight: the dev server has one history shard. */
async function bounded<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

describe('grievances under load', () => {
  it('2,000 filings at once, 200 of them repeats racing their original: each case present once, with its workflow running', async () => {
    const categories = ['non-payment', 'wrong-amount'] as const;
    const distinct = Array.from({ length: HOUSEHOLDS * 2 }, (_, i) => ({ category: categories[i % 2]!, complainant: { kind: 'household', rsuId: rsu(Math.floor(i / 2)) } }));
    // A hundred households (every ninth) repeat their non-payment complaint twice, mixed in among the originals.
    const repeats = Array.from({ length: 200 }, (_, i) => ({ category: 'non-payment', complainant: { kind: 'household', rsuId: rsu((i * 9) % HOUSEHOLDS) } }));
    const inputs = distinct.flatMap((d, i) => (i % 9 === 0 && repeats.length ? [d, repeats.pop()!] : [d])).concat(repeats);
    expect(inputs).toHaveLength(2000);

    const answers = await bounded(inputs.map((input) => () => officer.call('POST', '/api/grievances/cases', input)), 16);
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s !== 201 && s !== 200), JSON.stringify(answers.find((a) => a.status >= 300)?.body)).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(HOUSEHOLDS * 2);
    expect(statuses.filter((s) => s === 200)).toHaveLength(200);

    const [counts] = await stack.database.db.execute<{ cases: number; open: number; keys: number; linked: number }>(sql`
      select count(*)::int as cases,
             count(*) filter (where linked_to is null)::int as open,
             count(distinct (household_rsu_id, category)) filter (where linked_to is null)::int as keys,
             count(*) filter (where linked_to is not null)::int as linked
      from grievance_cases`);
    expect(counts).toEqual({ cases: 2000, open: HOUSEHOLDS * 2, keys: HOUSEHOLDS * 2, linked: 200 });

    // Each case's workflow wrote its filing itself, and is still running against its deadline.
    await expect
      .poll(async () => (await stack.database.db.execute<{ n: number }>(sql`select count(distinct reference)::int as n from grievance_timeline where kind = 'filed'`))[0]!.n, { timeout: 60_000, interval: 500 })
      .toBe(HOUSEHOLDS * 2);
    const references = answers.filter((a) => a.status === 201).map((a) => a.body.case.reference as string);
    expect(new Set(references).size).toBe(HOUSEHOLDS * 2);
    const running = await bounded(references.map((r) => async () => (await stack.client.workflow.getHandle(grievanceWorkflowId(r)).describe()).status.name), 16);
    expect(running.filter((s) => s !== 'RUNNING')).toEqual([]);
  }, 240_000);
});
