export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

/** The live link to the API as the user should see it. */
export const connection = $state<{ status: ConnectionStatus }>({ status: 'connecting' });
