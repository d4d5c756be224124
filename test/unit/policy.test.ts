import { describe, expect, it } from 'vitest';
import { maskIdentifier } from '../../domain/personal-data';
import { authorize, can, whyNotFourEyes } from '../../domain/policy';
import { areaContains, needsSecondFactor, type Principal, type Role } from '../../domain/roles';

const person = (roles: Role[], area: Principal['area'] = { level: 'national' }): Principal => ({ kind: 'user', id: 'u', username: 'u', roles, area });

describe('who may do what', () => {
  it('an auditor reads everything and changes nothing', () => {
    const auditor = person(['auditor']);
    expect(can(auditor, 'cycle.read')).toBe(true);
    expect(can(auditor, 'audit.export')).toBe(true);
    for (const action of ['cycle.create', 'cycle.advance', 'cycle.pause', 'cycle.cancel', 'user.manage', 'session.manage'] as const) {
      expect(can(auditor, action), action).toBe(false);
    }
  });

  it('anonymous is told to sign in; a signed-in user without the role is refused', () => {
    expect(authorize(null, 'cycle.read')).toMatchObject({ allowed: false, status: 401, code: 'unauthenticated' });
    expect(authorize(person(['grievance-officer']), 'cycle.pause')).toMatchObject({ allowed: false, status: 403, code: 'forbidden' });
  });

  it('program-wide actions need a national user, even with the right role', () => {
    const regional = person(['coordinator'], { level: 'region', region: 'Kayes' });
    expect(authorize(regional, 'cycle.pause')).toMatchObject({ allowed: false, status: 403 });
    expect(authorize(regional, 'cycle.pause').allowed === false && authorize(regional, 'cycle.pause')).toHaveProperty('message', expect.stringMatching(/outside your area/));
    expect(can(regional, 'cycle.read')).toBe(true);
  });

  it('a user acts only within their area', () => {
    const mopti = person(['focal-point'], { level: 'region', region: 'Mopti' });
    expect(can(mopti, 'personal-data.reveal', { level: 'commune', region: 'Mopti', commune: 'Djenné' })).toBe(true);
    expect(can(mopti, 'personal-data.reveal', { level: 'commune', region: 'Kayes', commune: 'Nioro' })).toBe(false);
  });
});

describe('areas', () => {
  it('national holds all; a region holds its communes only; a commune holds itself', () => {
    const kayes = { level: 'region', region: 'Kayes' } as const;
    const nioro = { level: 'commune', region: 'Kayes', commune: 'Nioro' } as const;
    expect(areaContains({ level: 'national' }, nioro)).toBe(true);
    expect(areaContains(kayes, nioro)).toBe(true);
    expect(areaContains(nioro, kayes)).toBe(false);
    expect(areaContains(kayes, { level: 'region', region: 'Mopti' })).toBe(false);
    expect(areaContains(nioro, { level: 'commune', region: 'Kayes', commune: 'Yélimané' })).toBe(false);
    expect(areaContains(kayes, { level: 'national' })).toBe(false);
  });
});

describe('four eyes', () => {
  it('whoever prepared something cannot approve it; anyone else authorised can', () => {
    expect(whyNotFourEyes('oumar.diallo', 'oumar.diallo')).toMatch(/another authorised person/);
    expect(whyNotFourEyes('oumar.diallo', 'awa.guindo')).toBeNull();
  });
});

describe('second factor and personal data', () => {
  it('roles that approve or move money, and administrators, need a second factor', () => {
    expect(needsSecondFactor(['coordinator'])).toBe(true);
    expect(needsSecondFactor(['payment-operator'])).toBe(true);
    expect(needsSecondFactor(['admin'])).toBe(true);
    expect(needsSecondFactor(['auditor'])).toBe(false);
    expect(needsSecondFactor(['grievance-officer', 'procurement-officer'])).toBe(true);
  });

  it('national ID and phone numbers show only their last four digits', () => {
    expect(maskIdentifier('+223 76 54 48 21')).toBe('•••• 4821');
    expect(maskIdentifier('1-19-83-8-12345-678-9012-K')).toBe('•••• 9012');
    expect(maskIdentifier('42')).toBe('•••• ••42');
    expect(maskIdentifier(null)).toBeNull();
  });
});
