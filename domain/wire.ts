// Names the browser and the server must spell the same way.

/** Header carrying the session's CSRF token on every cookie-authenticated change. */
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_COOKIE = 'jigi_session';
/** The reason a Socket.IO handshake is refused when the session is missing or over. */
export const SOCKET_UNAUTHENTICATED = 'unauthenticated';
/** The one route whose body is a file (a register), not JSON. */
export const REGISTER_UPLOAD_PATH = '/api/register/imports';
