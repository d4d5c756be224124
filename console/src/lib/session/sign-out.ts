import { goto } from '$app/navigation';
import { resolve } from '$app/paths';
import { createApi, isSessionEnded } from '../api/client';
import { closeRealtime, realtimeSocket } from '../realtime/socket';
import { session } from './session.svelte';

/**
 * Ends the session on the server, then in this tab. The live connection closes first, from our side,
 * so the server dropping it is not taken for a session ended elsewhere.
 */
export async function signOut(): Promise<void> {
  closeRealtime();
  try {
    await createApi().signOut();
  } catch (err) {
    // Already over on the server: nothing left to end. Otherwise the user is still signed in.
    if (!isSessionEnded(err)) {
      realtimeSocket();
      throw err;
    }
  }
  session.me = null;
  await goto(resolve('/connexion'));
}
