// Release controls before money moves (issue 6, item 3). A lot's payment list is an envelope: it
// declares its count and total for its funding source. Nothing is sent until the list built matches
// the declaration, three stages have signed (approval, authorisation, finance release) by distinct
// people, and the total is reserved against the funding source's budget line.
import type { FundingSource } from './funding';

export const RELEASE_STAGES = ['approval', 'authorisation', 'finance-release'] as const;
export type ReleaseStage = (typeof RELEASE_STAGES)[number];

/** Signatures each stage takes for lists up to `upToFcfa` (null: no upper bound). */
export interface SignatureBand {
  upToFcfa: number | null;
  signatures: Record<ReleaseStage, number>;
}

/**
 * An example default, to be set per program: up to 50 M FCFA one signature per stage; up to 500 M two
 * approvals; above, two approvals and two authorisations. Bands are in increasing order, the last unbounded.
 */
export const DEFAULT_SIGNATURE_BANDS: readonly SignatureBand[] = [
  { upToFcfa: 50_000_000, signatures: { approval: 1, authorisation: 1, 'finance-release': 1 } },
  { upToFcfa: 500_000_000, signatures: { approval: 2, authorisation: 1, 'finance-release': 1 } },
  { upToFcfa: null, signatures: { approval: 2, authorisation: 2, 'finance-release': 1 } },
];

/** Bands must rise, end unbounded and ask at least one signature per stage. */
export function whyInvalidBands(bands: readonly SignatureBand[]): string | null {
  if (bands.at(-1)?.upToFcfa !== null) return bands.length === 0 ? 'At least one amount band is needed.' : 'The last amount band must have no upper bound.';
  let previous = 0;
  for (const [i, band] of bands.entries()) {
    if (RELEASE_STAGES.some((stage) => !Number.isInteger(band.signatures[stage]) || band.signatures[stage] < 1)) return 'Each stage needs at least one signature.';
    if (i === bands.length - 1) break;
    if (band.upToFcfa === null) return 'Only the last amount band may be unbounded.';
    if (band.upToFcfa <= previous) return 'Amount bands must rise.';
    previous = band.upToFcfa;
  }
  return null;
}

/** The signatures each stage takes for a list of this total. */
export function signaturesRequired(totalFcfa: number, bands: readonly SignatureBand[] = DEFAULT_SIGNATURE_BANDS): Record<ReleaseStage, number> {
  const band = bands.find((b) => b.upToFcfa === null || totalFcfa <= b.upToFcfa) ?? bands.at(-1);
  if (!band) throw new Error('No amount band configured for release signatures.');
  return band.signatures;
}

export interface ReleaseSignature {
  stage: ReleaseStage;
  signedBy: string;
}

/** The stage now waiting for signatures, or null once every stage has its count. Stages go in order. */
export function currentStage(totalFcfa: number, signatures: readonly ReleaseSignature[], bands: readonly SignatureBand[] = DEFAULT_SIGNATURE_BANDS): ReleaseStage | null {
  const required = signaturesRequired(totalFcfa, bands);
  return RELEASE_STAGES.find((stage) => signatures.filter((s) => s.stage === stage).length < required[stage]) ?? null;
}

export interface Refusal {
  rule: string;
  message: string;
}

/** The envelope of one list: what it declared for its funding source, and what was built. */
export interface ListEnvelope {
  fundingSource: FundingSource;
  declaredCount: number;
  declaredTotalFcfa: number;
  builtCount: number | null;
  builtTotalFcfa: number | null;
}

/** The list built must be exactly the one declared, count and total, before anyone signs it. */
export function whyEnvelopeMismatch(envelope: ListEnvelope): Refusal | null {
  if (envelope.builtCount === null || envelope.builtTotalFcfa === null) {
    return { rule: 'list-not-built', message: 'The payment list is not built yet: it cannot be signed.' };
  }
  if (envelope.builtCount !== envelope.declaredCount || envelope.builtTotalFcfa !== envelope.declaredTotalFcfa) {
    return {
      rule: 'envelope-mismatch',
      message: `The list built (${envelope.builtCount} payments, ${envelope.builtTotalFcfa} FCFA) differs from its declaration for ${envelope.fundingSource} (${envelope.declaredCount} payments, ${envelope.declaredTotalFcfa} FCFA).`,
    };
  }
  return null;
}

/** A funding source's budget line: its amount for the cycle and what lists already reserved on it. */
export interface BudgetLine {
  fundingSource: FundingSource;
  amountFcfa: number;
  reservedFcfa: number;
}

/** What is reserved against a funding source never exceeds its amount for the cycle. */
export function whyBudgetOverrun(line: BudgetLine | null, amountFcfa: number): Refusal | null {
  if (!line) return { rule: 'no-budget-line', message: 'The cycle has no budget line for this funding source.' };
  const left = line.amountFcfa - line.reservedFcfa;
  if (amountFcfa > left) {
    return {
      rule: 'budget-overrun',
      message: `${line.fundingSource} has ${left} FCFA left on its budget line (${line.amountFcfa} FCFA, ${line.reservedFcfa} reserved): ${amountFcfa} FCFA cannot be reserved.`,
    };
  }
  return null;
}

export interface SignRequest {
  status: string;
  envelope: ListEnvelope;
  signatures: readonly ReleaseSignature[];
  stage: ReleaseStage;
  signer: string;
  bands?: readonly SignatureBand[];
}

/**
 * May this person sign this stage of this list now? The list must be built as declared and not yet
 * released, the stage must be the one waiting, and one person signs at most once across the stages.
 */
export function whyCannotSign(request: SignRequest): Refusal | null {
  const { status, envelope, signatures, stage, signer } = request;
  if (status === 'released') return { rule: 'already-released', message: 'The payment list is already released.' };
  // A list built unlike its declaration stays declared: say why, not merely that it is unbuilt.
  const mismatch = whyEnvelopeMismatch(envelope);
  if (mismatch) return mismatch;
  if (status !== 'built') return { rule: 'list-not-built', message: `The payment list is ${status}: only a built list can be signed.` };
  const waiting = currentStage(envelope.declaredTotalFcfa, signatures, request.bands);
  if (waiting !== stage) {
    return { rule: 'wrong-stage', message: waiting ? `The list waits for ${waiting}, not ${stage}.` : 'Every stage has signed already.' };
  }
  const earlier = signatures.find((s) => s.signedBy === signer);
  if (earlier) {
    return { rule: 'distinct-signers', message: `You already signed this list (${earlier.stage}): each signature must come from a different person.` };
  }
  return null;
}

/** After this signature, is the list fully signed (the last finance signature reserves the money)? */
export function completesRelease(totalFcfa: number, signatures: readonly ReleaseSignature[], next: ReleaseSignature, bands?: readonly SignatureBand[]): boolean {
  return currentStage(totalFcfa, [...signatures, next], bands) === null;
}
