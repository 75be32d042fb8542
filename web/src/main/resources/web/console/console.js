// The console's shell: log-in, navigation by the URL's hash (#accounts?q=...), one view at a time.
import { login, logout, resume, whenLoggedOut } from './api.js';
import * as views from './views.js';

const ROUTES = {
  accounts: views.accounts, account: views.account, trunks: views.trunks, trunk: views.trunk, routes: views.routes,
  ratedecks: views.ratedecks, credits: views.credits, calls: views.calls, cdrs: views.cdrs, dryrun: views.dryrun,
  charts: views.charts,
};

const $ = id => document.getElementById(id);

function showLogin() {
  $('nav').hidden = true;
  $('view').replaceChildren();
  $('login').hidden = false;
  $('api-key').focus();
}

async function render() {
  const [name, query] = (location.hash.slice(1) || 'accounts').split('?');
  const view = ROUTES[name] || views.accounts;
  const params = new URLSearchParams(query || '');
  document.querySelectorAll('nav a').forEach(a => a.toggleAttribute('aria-current', a.getAttribute('href') === '#' + name));
  document.querySelectorAll('nav a[aria-current]').forEach(a => a.setAttribute('aria-current', 'page'));
  const target = $('view');
  target.setAttribute('aria-busy', 'true');
  try {
    await view(target, params);
    target.dataset.view = name;
  } catch (e) {
    if (e.status === 401) return;
    target.replaceChildren(views.h('h2', {}, 'Something went wrong'), views.h('p', { class: 'error', role: 'alert' }, e.message));
  } finally {
    target.removeAttribute('aria-busy');
  }
  const heading = target.querySelector('h2');
  if (heading) { heading.tabIndex = -1; heading.focus({ preventScroll: true }); }
}

function loggedIn() {
  $('login').hidden = true;
  $('nav').hidden = false;
  render();
}

whenLoggedOut(showLogin);
window.addEventListener('hashchange', () => { if (!$('nav').hidden) render(); });

$('login-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const input = $('api-key');
  $('login-error').textContent = '';
  try {
    await login({ apiKey: input.value });
    input.value = ''; // the key is not kept anywhere on the page
    loggedIn();
  } catch (e) {
    input.value = '';
    $('login-error').textContent = e.message;
  }
});

$('logout').addEventListener('click', async () => {
  await logout().catch(() => {});
  showLogin();
});

if (await resume()) loggedIn(); else showLogin();
