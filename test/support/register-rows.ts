// Register rows as the RSU files write them, for the register tests (integration and browser).
import { REGISTER_COLUMNS } from '../../domain/register';

export type Row = Record<(typeof REGISTER_COLUMNS)[number], string>;

const GIVEN = { F: ['Aminata', 'Fatoumata', 'Kadiatou', 'Mariam', 'Awa', 'Oumou', 'Djeneba', 'Assetou', 'Rokia', 'Hawa'], M: ['Moussa', 'Bakary', 'Seydou', 'Oumar', 'Mamadou', 'Issa', 'Boubacar', 'Adama', 'Modibo', 'Sekou'] };
const FAMILY = ['Traoré', 'Coulibaly', 'Keïta', 'Diarra', 'Koné', 'Sangaré', 'Touré', 'Maïga', 'Cissé', 'Dembélé', 'Sidibé', 'Konaté', 'Diallo', 'Camara', 'Sissoko', 'Doumbia', 'Ballo', 'Togola', 'Dicko', 'Guindo'];
const two = (k: number) => String(k % 100).padStart(2, '0');

/**
 * Household number `n`, valid unless `overrides` says otherwise. NINA and phone follow from `n` and are
 * its own (n < 1,000,000); name and birth year repeat rarely, so a file of these holds few possible duplicates.
 */
export function household(n: number, overrides: Partial<Row> = {}): Row {
  const sex = n % 3 ? 'F' : 'M';
  return {
    rsu_id: `RSU-${String(n).padStart(10, '0')}`,
    head_name: `${GIVEN[sex][n % 10]} ${FAMILY[Math.floor(n / 10) % 20]}`,
    sex,
    birth_year: String(1930 + (Math.floor(n / 200) % 80)),
    nina: `${String(19830812340000 + n).padStart(14, '0')}K`,
    phone: `76 ${two(Math.floor(n / 10_000))} ${two(Math.floor(n / 100))} ${two(n)}`,
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
