import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { MOBILE_MONEY_PATHS } from '../../activities/adapters/mobile-money-api';
import { freePort } from '../../scripts/stack/temporal-dev-server';
import type { SimFaults } from '../../scripts/provider-sim/server';

/** The payment-agency simulator as a real process (`npm run provider-sim`), restartable on its ledger. */
export interface SimProcess {
  url: string;
  port: number;
  setFaults(faults: Partial<SimFaults>): Promise<SimFaults>;
  /** SIGKILL: what it had written to its ledger file survives, nothing else. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimProcess(options: { ledgerFile?: string; faults?: Partial<SimFaults> } = {}): Promise<SimProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  async function launch() {
    const args = ['--import', 'tsx', 'scripts/provider-sim.ts', '--port', String(port)];
    if (options.ledgerFile) args.push('--ledger', options.ledgerFile);
    if (options.faults) args.push('--faults', JSON.stringify(options.faults));
    const started = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    started.stderr!.on('data', (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: started.stdout! }).on('line', (line) => {
        output += `${line}\n`;
        if (line.includes('provider-sim listening')) resolve();
      });
      started.once('exit', (code) => reject(new Error(`provider-sim exited (${code}) before listening:\n${output}`)));
    });
    child = started;
  }

  async function kill(signal: NodeJS.Signals) {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, 'exit');
    current.kill(signal);
    await exited;
  }

  await launch();
  return {
    url,
    port,
    async setFaults(faults) {
      const response = await fetch(`${url}${MOBILE_MONEY_PATHS.faults}`, { method: 'PUT', body: JSON.stringify(faults) });
      return (await response.json()) as SimFaults;
    },
    kill: () => kill('SIGKILL'),
    restart: launch,
    stop: () => kill('SIGTERM'),
  };
}
