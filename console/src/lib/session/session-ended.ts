import { goto } from '$app/navigation';
import { SIGN_IN_PATH, session, signInHref } from './session.svelte';

let leaving: Promise<void> | null = null;

/**
 * The API or the live connection said the session is over (signed out elsewhere, ended by an
 * administrator, expired): forget the user and go to sign-in, coming back here afterwards.
 */
export function sessionEnded(): Promise<void> {
  session.me = null;
  if (location.pathname === SIGN_IN_PATH) return Promise.resolve();
  // Several calls can fail at once (a refetch, an action, the socket): leave once.
  // eslint-disable-next-line svelte/no-navigation-without-resolve -- signInHref resolves the sign-in page itself
  leaving ??= goto(signInHref(location.pathname + location.search), { replaceState: true }).finally(() => (leaving = null));
  return leaving;
}
