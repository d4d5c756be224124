import { currentTotp } from '../api/auth/totp';
import { CSRF_HEADER, SESSION_COOKIE } from '../api/middleware/auth';

export interface ApiAnswer {
  status: number;
  body: any;
  headers: Headers;
}

/** A signed-in HTTP session against a running API, as the console holds one: cookie + CSRF header. */
export interface ApiSession {
  cookie: string;
  csrfToken: string;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
}

export async function callApi(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const init: RequestInit = { method, headers: { ...headers }, redirect: 'manual' };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${baseUrl}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // CSV and other text answers stay as they are.
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Signs in with a password and, when the role needs it, the code of the given TOTP secret. */
export async function signIn(baseUrl: string, username: string, password: string, totpSecret?: string): Promise<ApiSession> {
  const login = await callApi(baseUrl, 'POST', '/api/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`sign-in of ${username} failed: ${login.status} ${JSON.stringify(login.body)}`);
  const cookie = login.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
  const session: ApiSession = {
    cookie,
    csrfToken: login.body.csrfToken,
    call: (method, path, body, headers = {}) => callApi(baseUrl, method, path, body, { cookie, [CSRF_HEADER]: session.csrfToken, ...headers }),
  };
  if (login.body.secondFactor !== 'none') {
    if (!totpSecret) throw new Error(`${username} needs a second factor`);
    const done = await session.call('POST', '/api/auth/second-factor', { code: currentTotp(totpSecret, username) });
    if (done.status !== 200) throw new Error(`second factor of ${username} failed: ${done.status} ${JSON.stringify(done.body)}`);
  }
  return session;
}
