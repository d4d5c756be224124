// `npm run provider-sim`: a simulated payment agency (mobile money, and a bank under /bank/v1) with its own ledger and faults.
// Options: --port N, --ledger FILE (JSON lines, kept across restarts), --faults '{"errorRate":0.05,…}'.
// Environment: PROVIDER_SIM_PORT, PROVIDER_SIM_LEDGER, PROVIDER_SIM_FAULTS with the same meanings.
import { parseArgs } from 'node:util';
import { startProviderSim, type SimFaults } from './provider-sim/server';

const { values } = parseArgs({
  options: { port: { type: 'string' }, ledger: { type: 'string' }, faults: { type: 'string' } },
});
const port = Number(values.port ?? process.env.PROVIDER_SIM_PORT ?? 4100);
const ledgerFile = values.ledger ?? process.env.PROVIDER_SIM_LEDGER;
const faultsText = values.faults ?? process.env.PROVIDER_SIM_FAULTS;
const faults = faultsText ? (JSON.parse(faultsText) as Partial<SimFaults>) : {};

const sim = await startProviderSim({ port, ledgerFile, faults });
process.stdout.write(`provider-sim listening on ${sim.url}${ledgerFile ? ` (ledger ${ledgerFile})` : ''}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sim.close().then(() => process.exit(0));
  });
}
