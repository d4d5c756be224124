// Register rows as the RSU files write them, for the register tests (integration and browser).
import { REGISTER_COLUMNS } from '../../domain/register';

export type Row = Record<(typeof REGISTER_COLUMNS)[number], string>;

/** Household number `n`, valid unless `overrides` says otherwise; NINA and phone follow from `n`. */
export function household(n: number, overrides: Partial<Row> = {}): Row {
  return {
    rsu_id: `RSU-${String(n).padStart(10, '0')}`,
    head_name: n % 3 ? 'Aminata Traoré' : 'Moussa Coulibaly',
    sex: n % 3 ? 'F' : 'M',
    birth_year: String(1950 + (n % 50)),
    nina: `${String(19830812340000 + n).padStart(14, '0')}K`,
    phone: `76 ${String(n % 100).padStart(2, '0')} ${String((n * 7) % 100).padStart(2, '0')} ${String((n * 13) % 100).padStart(2, '0')}`,
    commune_code: n % 2 ? 'KAY-001' : 'MOP-001',
    village: 'Kalaban',
    household_size: String(1 + (n % 12)),
    food_insecure: n % 4 ? '1' : '0',
    covid_case: '0',
    covid_hit: n % 2 ? 'oui' : 'non',
    welfare_score: n % 10 ? String((n % 100) + 0.5) : '',
    ...overrides,
  };
}

/** The rows as a CSV file: the header line, a line a row, and a final newline. */
export const csv = (rows: Row[]) => [REGISTER_COLUMNS.join(','), ...rows.map((r) => REGISTER_COLUMNS.map((c) => r[c]).join(','))].join('\n') + '\n';
