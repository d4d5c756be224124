import { Secret, TOTP } from 'otpauth';

const ISSUER = 'Jigi';

function totp(secret: string, username: string) {
  return new TOTP({ issuer: ISSUER, label: username, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function totpUri(secret: string, username: string): string {
  return totp(secret, username).toString();
}

/** Accepts the current code and the one either side of it, for clocks a little apart. */
export function verifyTotp(secret: string, username: string, code: string): boolean {
  return totp(secret, username).validate({ token: code, window: 1 }) !== null;
}

export function currentTotp(secret: string, username: string): string {
  return totp(secret, username).generate();
}
