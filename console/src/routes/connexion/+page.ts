import { redirect } from '@sveltejs/kit';
import { isComplete, returnPathOf, session } from '$lib/session/session.svelte';
import type { PageLoad } from './$types';

/** Already signed in: straight back to where the user was going. */
export const load: PageLoad = async ({ parent, url }) => {
  await parent();
  if (isComplete(session.me)) redirect(307, returnPathOf(url));
};
