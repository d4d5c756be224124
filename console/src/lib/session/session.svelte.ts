import { resolve } from '$app/paths';
import type { Action } from '../../../../domain/policy';
import type { Me } from '../api/types';

/** The sign-in page; French first, like every path a user may type. */
export const SIGN_IN_PATH = resolve('/connexion');
const RETURN_PARAM = 'retour';

/** Signed in all the way: password, second factor, and no new password still due. */
export function isComplete(me: Me | null): me is Me {
  return me !== null && me.secondFactor === 'none' && !me.passwordChangeRequired;
}

/** Who is signed in, as the API last said; null before sign-in and after sign-out. */
class Session {
  me: Me | null = $state.raw(null);
  readonly signedIn = $derived(isComplete(this.me));

  /** What the API lets this user do; the API still checks every request. */
  can(action: Action): boolean {
    return this.signedIn && (this.me?.permissions.includes(action) ?? false);
  }
}

export const session = new Session();

/** The sign-in page, remembering the page to come back to. */
export function signInHref(returnTo?: string): string {
  const back = returnTo && safeReturnPath(returnTo);
  return back && back !== '/' ? `${SIGN_IN_PATH}?${RETURN_PARAM}=${encodeURIComponent(back)}` : SIGN_IN_PATH;
}

/** Where to go once signed in: the remembered page of this console, never another site. */
export function returnPathOf(url: URL): string {
  return safeReturnPath(url.searchParams.get(RETURN_PARAM) ?? '/') ?? '/';
}

function safeReturnPath(path: string): string | null {
  // "//host" and "/\host" would leave the console.
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return null;
  return path.startsWith(SIGN_IN_PATH) ? '/' : path;
}
