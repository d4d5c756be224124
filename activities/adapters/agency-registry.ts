import type { PaymentAgencyRow } from '../../db/schema';
import type { PaymentAgency } from '../ports/payment-agency';
import { BankAgency } from './bank';
import { MobileMoneyAgency } from './mobile-money';

/** Reads an agency's credential by the name its row gives; the worker decides where secrets live. */
export type CredentialSource = (credentialRef: string) => string | undefined;

/**
 * One adapter per agency and worker process, so every batch running in this worker shares the
 * agency's request rate. (Several workers each take the full rate: the next step is a task queue
 * per agency, or a shared limiter.)
 */
export function createAgencyRegistry(credentials: CredentialSource) {
  const adapters = new Map<string, { signature: string; agency: PaymentAgency }>();
  return {
    get(row: PaymentAgencyRow): PaymentAgency {
      const signature = `${row.kind}|${row.baseUrl}|${row.ratePerSecond}|${row.credentialRef}`;
      const known = adapters.get(row.id);
      if (known?.signature === signature) return known.agency;
      const credential = credentials(row.credentialRef);
      if (!credential) throw new Error(`no credential ${row.credentialRef} for payment agency ${row.id}`);
      const config = { baseUrl: row.baseUrl, credential, ratePerSecond: row.ratePerSecond };
      const agency = row.kind === 'bank' ? new BankAgency(config) : new MobileMoneyAgency(config);
      adapters.set(row.id, { signature, agency });
      return agency;
    },
  };
}
export type AgencyRegistry = ReturnType<typeof createAgencyRegistry>;
