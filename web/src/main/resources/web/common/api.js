// The server's API from a page (the console's admin API, the portal's own): the session cookie authenticates, the CSRF token (kept in this
// module's memory only, never in storage) goes with every request that changes something.
let csrfToken = null;
let onLoggedOut = () => {};
let sessionPath = '/console/session';

/** Where this app's session lives: /console/session or /portal/api/session. */
export function useSession(path) { sessionPath = path; }

export class ApiError extends Error {
  constructor(status, field, message) { super(message); this.status = status; this.field = field; }
}

export function whenLoggedOut(callback) { onLoggedOut = callback; }

async function send(method, path, body, { contentType = 'application/json', accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    payload = contentType === 'application/json' ? JSON.stringify(body) : body;
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401 && path !== sessionPath) { csrfToken = null; onLoggedOut(); }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not a problem document */ }
    throw new ApiError(response.status, problem.field || null, problem.detail || problem.error || response.statusText);
  }
  return response;
}

export async function api(method, path, body, options) {
  const response = await send(method, path, body, options);
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

/** Opens a session with the app's credentials ({apiKey}, or {username, password}). */
export async function login(credentials) {
  const answer = await api('POST', sessionPath, credentials);
  csrfToken = answer.csrfToken;
  return answer;
}

/** A reloaded page: the cookie may still hold a session, whose token the server gives again. */
export async function resume() {
  try {
    csrfToken = (await api('GET', sessionPath)).csrfToken;
    return true;
  } catch (e) {
    if (e.status === 401) return false;
    throw e;
  }
}

export async function logout() {
  try { await api('DELETE', sessionPath); } finally { csrfToken = null; }
}

/** Every item of a cursor-paged list (Pages in docs/api.md), up to {@code max}. */
export async function all(path, max = 2000) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...page.items);
    cursor = page.next;
  } while (cursor && items.length < max);
  return items;
}

export const enc = encodeURIComponent;
