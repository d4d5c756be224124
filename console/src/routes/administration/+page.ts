import { error, redirect } from '@sveltejs/kit';
import { resolve } from '$app/paths';
import { session } from '$lib/session/session.svelte';
import type { PageLoad } from './$types';
import { tabsAllowed } from './tabs';

/** The administration opens on the first section this user may use. */
export const load: PageLoad = async ({ parent }) => {
  // The layout's load reads the session once per visit; signing in updates `session` itself.
  await parent();
  const [first] = tabsAllowed(session.signedIn ? (session.me?.permissions ?? []) : []);
  if (!first) error(403, { message: 'Administration needs user.read, session.manage or token.manage.', code: 'forbidden' });
  redirect(307, resolve(first.path));
};
