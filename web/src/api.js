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
    // What the refusal carries besides its text: the second step of a sign-in has its
    // partial_session_id and methods here (docs/two-factor.md#rest).
    this.data = body && body.data;
  }
}

export const csrfToken = () => sessionStorage.getItem(TOKEN_KEY);
export const setCsrfToken = (t) =>
  t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY);

// "/a b/c" -> "/a%20b/c": each segment encoded, the slashes kept.
export const encodePath = (path) => path.split('/').map(encodeURIComponent).join('/');

// One call: its JSON answer and its headers, or an ApiError with the API's message.
export async function request(method, route, body) {
  const headers = {};
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken() || '';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch('/api/v1' + route, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = parseJson(await res.text());
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, headers: res.headers };
}

export const call = async (method, route, body) => (await request(method, route, body)).data;

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

export const signIn = (username, password) =>
  call('POST', '/sessions', { username, password, web: true });
// The second step of a sign-in that needs a second factor: {otp} (an app's code or a recovery
// code) or {webauthn} (a security key's answer).
export const signInSecondStep = (partialSessionId, answer) =>
  call('POST', '/sessions', { partial_session_id: partialSessionId, web: true, ...answer });
export const signOut = () => call('DELETE', '/sessions');
export const me = () => call('GET', '/me');
export const passwordPolicy = () => call('GET', '/me/password_policy');
export const generatePassword = () => call('GET', '/me/generate_password');
// current: the password in use now, which the API asks for except in a session that may only
// change the password.
export const changePassword = (password, current) =>
  call('POST', '/me/password', current === undefined ? { password } : { password, current_password: current });
// One page of a folder, sorted on the server (docs/web-ui.md#files): {entries, next}, next
// being the cursor of the following page or null.
export async function listFolder(path, { sortBy = 'name', order = 'asc', cursor, perPage = 200 } = {}) {
  const q = new URLSearchParams({ sort_by: sortBy, order, per_page: String(perPage) });
  if (cursor) q.set('cursor', cursor);
  const { data, headers } = await request('GET', '/folders' + encodePath(path) + '?' + q);
  return { entries: data, next: headers.get('X-Files-Cursor') };
}
export const createFolder = (path) => call('POST', '/folders' + encodePath(path));
export const remove = (path) => call('DELETE', '/files' + encodePath(path));
export const move = (path, destination, overwrite) =>
  call('POST', '/file_actions/move' + encodePath(path), { destination, overwrite });
export const copy = (path, destination, overwrite) =>
  call('POST', '/file_actions/copy' + encodePath(path), { destination, overwrite });

// PUT /files/<path> by XMLHttpRequest, which reports the upload's progress (fetch does not):
// onProgress(loaded, total). Returns {done: Promise of the new entry, abort()}.
export function upload(path, file, onProgress) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.open('PUT', '/api/v1/files' + encodePath(path));
    xhr.setRequestHeader('X-CSRF-Token', csrfToken() || '');
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      const data = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, { error: 'The connection broke.' }));
    xhr.onabort = () => reject(new ApiError(0, { error: 'Cancelled.' }));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
export const downloadUrl = (path) => '/api/v1/files' + encodePath(path);
