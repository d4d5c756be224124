// Name lists for the synthetic register (scripts/gen-rsu.ts): most common names first, picked with a skew.

/** Name zones: who tends to live where, from the west (Soninké, Khassonké) to the north (Songhai, Tamasheq, Arab). */
export type NameZone = 'kayes' | 'bambara' | 'sikasso' | 'mopti' | 'north' | 'kidal';

export const ZONE_BY_REGION: Record<string, NameZone> = {
  KAY: 'kayes',
  KOU: 'bambara',
  SEG: 'bambara',
  BKO: 'bambara',
  SIK: 'sikasso',
  MOP: 'mopti',
  TOM: 'north',
  GAO: 'north',
  KID: 'kidal',
};

const BAMBARA_MALE = [
  'Moussa', 'Mamadou', 'Seydou', 'Bakary', 'Adama', 'Souleymane', 'Boubacar', 'Oumar', 'Ibrahim', 'Modibo',
  'Sékou', 'Abdoulaye', 'Amadou', 'Issa', 'Drissa', 'Yacouba', 'Lassina', 'Siaka', 'Daouda', 'Bréhima',
  'Mahamadou', 'Sidiki', 'Madou', 'Fousseyni', 'Dramane', 'Bourama', 'Salif', 'Tiémoko', 'Zoumana', 'Mamoutou',
  'Karim', 'Moctar', 'Cheick', 'Ousmane', 'Yaya', 'Nouhoum', 'Lamine', 'Bassirou', 'Alou',
];
const BAMBARA_FEMALE = [
  'Aminata', 'Fatoumata', 'Mariam', 'Awa', 'Kadiatou', 'Oumou', 'Assitan', 'Bintou', 'Djénéba', 'Hawa',
  'Salimata', 'Kadidia', 'Rokia', 'Nana', 'Korotoumou', 'Sitan', 'Maïmouna', 'Aïssata', 'Safiatou', 'Adama',
  'Ramata', 'Tenin', 'Mah', 'Sanata', 'Fanta', 'Coumba', 'Massaran', 'Kankou', 'Djélika', 'Sali',
];

export interface ZoneNames {
  male: readonly string[];
  female: readonly string[];
  family: readonly string[];
  /** Share of heads with a Tamasheq name ("Ag"/"Walet" and the father's name). */
  tamasheq: number;
  /** Share of heads with an Arab name ("Ould"/"Mint" and the father's name). */
  arab: number;
}

export const NAMES_BY_ZONE: Record<NameZone, ZoneNames> = {
  kayes: {
    male: ['Mamadou', 'Moussa', 'Samba', 'Demba', 'Bakary', 'Hamady', 'Sékou', 'Kissima', 'Tidiane', 'Mahamadou', ...BAMBARA_MALE],
    female: ['Fatoumata', 'Aminata', 'Goundo', 'Diaba', 'Sira', 'Kadiatou', 'Mariam', 'Coumba', ...BAMBARA_FEMALE],
    family: [
      'Diallo', 'Sissoko', 'Keïta', 'Cissé', 'Traoré', 'Diawara', 'Camara', 'Sylla', 'Kanté', 'Coulibaly',
      'Dembélé', 'Soumaré', 'Tounkara', 'Doucouré', 'Diakité', 'Dramé', 'Sidibé', 'Konaté', 'Niakaté', 'Sacko',
      'Magassa', 'Diarra', 'Kamissoko', 'Samassa', 'Fofana', 'Dansoko', 'Gassama', 'Bathily', 'Kanouté', 'Sow',
    ],
    tamasheq: 0,
    arab: 0,
  },
  bambara: {
    male: BAMBARA_MALE,
    female: BAMBARA_FEMALE,
    family: [
      'Traoré', 'Coulibaly', 'Diarra', 'Keïta', 'Koné', 'Doumbia', 'Samaké', 'Kané', 'Dembélé', 'Konaté',
      'Sangaré', 'Bagayoko', 'Diakité', 'Camara', 'Konaré', 'Fomba', 'Kouyaté', 'Sidibé', 'Tangara', 'Mariko',
      'Niaré', 'Sissoko', 'Diallo', 'Cissé', 'Touré', 'Dao', 'Kanté', 'Sanogo', 'Kamaté', 'Théra', 'Dakouo', 'Tounkara',
    ],
    tamasheq: 0,
    arab: 0,
  },
  sikasso: {
    male: BAMBARA_MALE,
    female: BAMBARA_FEMALE,
    family: [
      'Coulibaly', 'Traoré', 'Sanogo', 'Koné', 'Ouattara', 'Diarra', 'Dembélé', 'Togola', 'Bengaly', 'Goïta',
      'Mallé', 'Berthé', 'Sangaré', 'Samaké', 'Doumbia', 'Dao', 'Diallo', 'Sidibé', 'Konaté', 'Bamba',
      'Keïta', 'Fané', 'Sogoba', 'Tangara', 'Kamaté', 'Diakité', 'Sissoko', 'Camara', 'Kanté',
    ],
    tamasheq: 0,
    arab: 0,
  },
  mopti: {
    male: [
      'Amadou', 'Hamadoun', 'Boubacar', 'Oumar', 'Mamadou', 'Allaye', 'Hamidou', 'Ousmane', 'Aly', 'Bouréma',
      'Sékou', 'Issa', 'Ibrahima', 'Yacouba', 'Adama', 'Moussa', 'Hassane', 'Ambaga', 'Antimbé', 'Ogobara', 'Seydou', 'Abdoulaye',
    ],
    female: [
      'Fatoumata', 'Kadidia', 'Aïssata', 'Hawa', 'Mariam', 'Aminata', 'Oumou', 'Kadiatou', 'Coumba', 'Djénéba',
      'Ramata', 'Bintou', 'Awa', 'Safiatou', 'Salimata', 'Maïmouna', 'Nana', 'Assitan',
    ],
    family: [
      'Diallo', 'Guindo', 'Cissé', 'Dicko', 'Touré', 'Togo', 'Dolo', 'Sangaré', 'Barry', 'Bah',
      'Kassogué', 'Ouologuem', 'Tembely', 'Sidibé', 'Karembé', 'Sagara', 'Poudiougo', 'Kanta', 'Djénépo', 'Traoré',
      'Coulibaly', 'Tall', 'Maïga', 'Yalcouyé', 'Kodio', 'Saye', 'Kansaye', 'Timbiné', 'Ongoïba', 'Bocoum', 'Diarra', 'Sow',
    ],
    tamasheq: 0,
    arab: 0,
  },
  north: {
    male: [
      'Mahamane', 'Moussa', 'Ibrahim', 'Boubacar', 'Abdoulaye', 'Almoustapha', 'Alassane', 'Ousmane', 'Hamidou', 'Mahamadou',
      'Oumar', 'Sidiki', 'Baba', 'Amadou', 'Issa', 'Yacouba', 'Alkaya', 'Soumaïla', 'Hamadoun', 'Mohamed',
    ],
    female: [
      'Fatoumata', 'Aïssata', 'Mariam', 'Kadidia', 'Hawa', 'Aminata', 'Zeinabou', 'Safiatou', 'Mariama', 'Haoua',
      'Ramatou', 'Fadimata', 'Salamatou', 'Oumou', 'Aïchata', 'Kadiatou',
    ],
    family: [
      'Maïga', 'Touré', 'Cissé', 'Haïdara', 'Dicko', 'Traoré', 'Diallo', 'Yattara', 'Sidibé', 'Arby',
      'Koïta', 'Tandina', 'Baby', 'Alpha', 'Sankaré', 'Garba', 'Djitteye', 'Coulibaly', 'Sangaré', 'Kanta',
    ],
    tamasheq: 0.22,
    arab: 0.04,
  },
  kidal: {
    male: ['Mohamed', 'Ahmed', 'Alhassane', 'Attaher', 'Ibrahim', 'Moussa'],
    female: ['Fadimata', 'Aïchata', 'Lalla', 'Zeinabou', 'Mariam'],
    family: ['Maïga', 'Touré', 'Haïdara', 'Cissé'],
    tamasheq: 0.85,
    arab: 0.1,
  },
};

/** Second given names of compound first names: "Mamadou Lamine", "Cheick Oumar", "Abdoul Karim". */
export const SECOND_MALE_NAMES = ['Lamine', 'Oumar', 'Karim', 'Tidiane', 'Mohamed', 'Madani', 'Sidy', 'Bakary', 'Aly', 'Salif', 'Hamadoun', 'Moctar'];

export const TAMASHEQ_MALE = [
  'Mohamed', 'Ahmed', 'Alhassane', 'Attaher', 'Alhousseyni', 'Ibrahim', 'Moussa', 'Almahdi', 'Hamma', 'Oumar',
  'Abdoulaye', 'Mahamane', 'Sidi', 'Baba', 'Aghaly', 'Intalla', 'Alkassoum', 'Bilal', 'Akly', 'Elmoctar',
];
export const TAMASHEQ_FEMALE = [
  'Fadimata', 'Aïchata', 'Lalla', 'Zeinabou', 'Mariam', 'Fatimata', 'Tina', 'Alwata', 'Safiatou', 'Hadijatou',
  'Takiatou', 'Mama', 'Tahara', 'Aminata', 'Mina',
];
/** Fathers' names after "Ag" (son of) or "Walet" (daughter of). */
export const TAMASHEQ_FATHERS = [
  'Mohamed', 'Ahmed', 'Intalla', 'Alhousseyni', 'Attaher', 'Alghabass', 'Acherif', 'Assaleh', 'Ibrahim', 'Mossa',
  'Alhassane', 'Aghaly', 'Elmoctar', 'Abdoulaye', 'Akly', 'Oumar', 'Hamma', 'Bilal',
];
/** Fathers' names after "Ould" (son of) or "Mint" (daughter of). */
export const ARAB_FATHERS = ['Mohamed', 'Ahmed', 'Sidi', 'Mahmoud', 'Cheikh', 'Lamine', 'Brahim', 'Baba', 'Abdallah', 'Hamoudi'];

/** Syllables of village names: Mandé-sounding in the south, Dogon/Peul around Mopti, Songhai/Tamasheq in the north. */
export const VILLAGE_SYLLABLES: Record<'south' | 'mopti' | 'north', { heads: readonly string[]; tails: readonly string[] }> = {
  south: {
    heads: [
      'Sébéni', 'Kala', 'Sanan', 'Diala', 'Banan', 'Sira', 'Kouri', 'Niama', 'Fala', 'Missa', 'Sama', 'Dioli', 'Kéni',
      'Mori', 'Sou', 'Ouéla', 'Fara', 'Ségué', 'Kolo', 'Niéna', 'Doni', 'Ména', 'Zan', 'Dogo', 'Sona', 'Fien', 'Nion',
      'Mana', 'Djéli', 'Tiéma', 'Bama', 'Toun', 'Kassa', 'Sina', 'Kati', 'Bina', 'Ténin', 'Woro', 'Fanin', 'Soro',
    ],
    tails: ['koro', 'bougou', 'ba', 'na', 'dougou', 'ni', 'bala', 'kodji', 'so', 'kin', 'kourou', 'dian', 'koura', 'mbougou', 'bé', 'n'],
  },
  mopti: {
    heads: [
      'San', 'Dou', 'Nin', 'Kan', 'Djigui', 'Ende', 'Téli', 'Ba', 'Diaf', 'Kon', 'Dial', 'Sofa', 'Toro', 'Ogo', 'Tiré',
      'Bou', 'Nda', 'Wal', 'Sio', 'Goun', 'Déga', 'Soma', 'Kéri', 'Doun', 'Yél', 'Tang',
    ],
    tails: ['gha', 'rou', 'gari', 'i', 'bombo', 'dé', 'li', 'rabé', 'ni', 'ga', 'ndé', 'bé', 'koli', 'mé', 'djé', 'ssé'],
  },
  north: {
    heads: [
      'Tin', 'In', 'Ta', 'Agu', 'Inta', 'Tila', 'Bour', 'Hara', 'Gour', 'Tous', 'Ber', 'Akar', 'Tessi', 'Alka', 'Ine',
      'Ana', 'Tar', 'Essa', 'Kel', 'Tako', 'Bamba', 'Hamma', 'Gabé', 'Koïra', 'Tondi', 'Bani', 'Far', 'Dou',
    ],
    tails: ['hama', 'ssa', 'kane', 'bara', 'rhaz', 'oussa', 'nane', 'khaya', 'dagha', 'lalen', 'fadé', 'kina', 'bango', 'gorou', 'tagh', 'mar'],
  },
};

export const VILLAGE_SYLLABLES_BY_ZONE: Record<NameZone, keyof typeof VILLAGE_SYLLABLES> = {
  kayes: 'south',
  bambara: 'south',
  sikasso: 'south',
  mopti: 'mopti',
  north: 'north',
  kidal: 'north',
};
