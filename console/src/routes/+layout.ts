import { redirect } from '@sveltejs/kit';
import { createApi, failLoad, isSessionEnded } from '$lib/api/client';
import type { Me } from '$lib/api/types';
import { isComplete, session, signInHref, SIGN_IN_PATH } from '$lib/session/session.svelte';
import type { LayoutLoad } from './$types';

// An SPA served by the API process: no server rendering, no prerendered pages.
export const ssr = false;
export const prerender = false;

/** Who is signed in, once per visit; every page but sign-in needs a finished sign-in. */
export const load: LayoutLoad = async ({ fetch, url, untrack }) => {
  // Not rerun on each navigation: sign-in and sign-out update the session themselves.
  const here = untrack(() => new URL(url));
  let me: Me | null = null;
  try {
    me = await createApi(fetch).me();
  } catch (err) {
    if (!isSessionEnded(err)) failLoad(err, here);
  }
  session.me = me;
  if (!isComplete(me) && here.pathname !== SIGN_IN_PATH) redirect(307, signInHref(here.pathname + here.search));
  return { me };
};
