// The one way the UI talks to the server: the REST API at /api/v1, signed in by the web
// session's cookie, with the CSRF token on every call that changes something
// (docs/web-ui.md#session).
const TOKEN_KEY = 'drawbridge.csrf';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `request failed (${status})`);
    this.status = status;
    this.title = body && body.title;
    this.type = body && body.type;
  }
}

export const csrfToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setCsrfToken = (t) =>
  t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY);

// "/a b/c" -> "/a%20b/c": each segment encoded, the slashes kept.
export const encodePath = (path) => path.split('/').map(encodeURIComponent).join('/');

export async function call(method, route, body) {
  const headers = {};
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken() || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + route, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const signIn = (username, password) =>
  call('POST', '/sessions', { username, password, web: true });
export const signOut = () => call('DELETE', '/sessions');
export const me = () => call('GET', '/me');
export const passwordPolicy = () => call('GET', '/me/password_policy');
export const generatePassword = () => call('GET', '/me/generate_password');
export const changePassword = (password) => call('POST', '/me/password', { password });
export const listFolder = (path) => call('GET', '/folders' + encodePath(path));
export const downloadUrl = (path) => '/api/v1/files' + encodePath(path);
