import { describe, expect, it } from 'vitest';
import {
  completesRelease,
  currentStage,
  DEFAULT_SIGNATURE_BANDS,
  signaturesRequired,
  whyBudgetOverrun,
  whyCannotSign,
  whyEnvelopeMismatch,
  whyInvalidBands,
  type ListEnvelope,
  type ReleaseSignature,
} from '../../domain/payment-release';

const envelope = (over: Partial<ListEnvelope> = {}): ListEnvelope => ({
  fundingSource: 'world-bank-af2',
  declaredCount: 100,
  declaredTotalFcfa: 9_000_000,
  builtCount: 100,
  builtTotalFcfa: 9_000_000,
  ...over,
});

describe('signatures by amount band', () => {
  it('the default bands take 1/1/1 up to 50 M, 2/1/1 up to 500 M, 2/2/1 above', () => {
    expect(whyInvalidBands(DEFAULT_SIGNATURE_BANDS)).toBeNull();
    expect(signaturesRequired(50_000_000)).toEqual({ approval: 1, authorisation: 1, 'finance-release': 1 });
    expect(signaturesRequired(50_000_001)).toEqual({ approval: 2, authorisation: 1, 'finance-release': 1 });
    expect(signaturesRequired(500_000_000)).toEqual({ approval: 2, authorisation: 1, 'finance-release': 1 });
    expect(signaturesRequired(500_000_001)).toEqual({ approval: 2, authorisation: 2, 'finance-release': 1 });
  });

  it('bands that do not rise, end bounded or ask no signature are refused', () => {
    const one = { approval: 1, authorisation: 1, 'finance-release': 1 };
    expect(whyInvalidBands([{ upToFcfa: 10, signatures: one }])).toMatch(/no upper bound/);
    expect(whyInvalidBands([{ upToFcfa: 10, signatures: one }, { upToFcfa: 5, signatures: one }, { upToFcfa: null, signatures: one }])).toMatch(/rise/);
    expect(whyInvalidBands([{ upToFcfa: null, signatures: { ...one, authorisation: 0 } }])).toMatch(/at least one/);
  });

  it('stages go in order, each until it has its count', () => {
    const total = 100_000_000; // 2/1/1
    const signed: ReleaseSignature[] = [];
    expect(currentStage(total, signed)).toBe('approval');
    signed.push({ stage: 'approval', signedBy: 'a' });
    expect(currentStage(total, signed)).toBe('approval');
    signed.push({ stage: 'approval', signedBy: 'b' });
    expect(currentStage(total, signed)).toBe('authorisation');
    signed.push({ stage: 'authorisation', signedBy: 'c' });
    expect(completesRelease(total, signed, { stage: 'finance-release', signedBy: 'd' })).toBe(true);
  });
});

describe('who may sign', () => {
  const request = { status: 'built', envelope: envelope(), signatures: [] as ReleaseSignature[], stage: 'approval' as const, signer: 'a' };

  it('a built list matching its declaration takes its first approval', () => {
    expect(whyCannotSign(request)).toBeNull();
  });

  it('one person signs at most once across the three stages', () => {
    const signatures: ReleaseSignature[] = [{ stage: 'approval', signedBy: 'a' }];
    expect(whyCannotSign({ ...request, signatures, stage: 'authorisation', signer: 'a' })?.rule).toBe('distinct-signers');
    expect(whyCannotSign({ ...request, signatures, stage: 'authorisation', signer: 'b' })).toBeNull();
  });

  it('a stage out of turn, an unbuilt or released list is refused', () => {
    expect(whyCannotSign({ ...request, stage: 'finance-release' })?.rule).toBe('wrong-stage');
    expect(whyCannotSign({ ...request, status: 'declared' })?.rule).toBe('list-not-built');
    expect(whyCannotSign({ ...request, status: 'released' })?.rule).toBe('already-released');
  });

  it('a list whose built count or total differs from its declaration is refused', () => {
    expect(whyEnvelopeMismatch(envelope({ builtCount: 99 }))?.rule).toBe('envelope-mismatch');
    expect(whyEnvelopeMismatch(envelope({ builtTotalFcfa: 9_000_001 }))?.rule).toBe('envelope-mismatch');
    expect(whyEnvelopeMismatch(envelope({ builtCount: null, builtTotalFcfa: null }))?.rule).toBe('list-not-built');
    expect(whyCannotSign({ ...request, envelope: envelope({ builtTotalFcfa: 8_910_000 }) })?.rule).toBe('envelope-mismatch');
  });
});

describe('budget reservation', () => {
  const line = { fundingSource: 'afd' as const, amountFcfa: 10_000_000, reservedFcfa: 6_000_000 };
  it('reserves up to what is left on the line, to the franc', () => {
    expect(whyBudgetOverrun(line, 4_000_000)).toBeNull();
    expect(whyBudgetOverrun(line, 4_000_001)?.rule).toBe('budget-overrun');
  });
  it('a funding source with no budget line in the cycle reserves nothing', () => {
    expect(whyBudgetOverrun(null, 1)?.rule).toBe('no-budget-line');
  });
});
