// The self-service portal: sign up, log in, take a number, SIP settings, call history and balance, the dialpad.
import { api, enc, login, logout, resume, useSession, whenLoggedOut } from './api.js';
import { h, table, field, form } from './ui.js';
import { dialpadView, focusCall, leftDialpad, stop as stopPhone, whenCallComesIn } from './dialpad.js';

useSession('/portal/api/session');
const view = document.getElementById('view');
const nav = document.getElementById('nav');
let loggedIn = false;

function show(title, ...children) {
  view.replaceChildren(h('h2', { tabindex: '-1' }, title), ...children);
  view.querySelector('h2').focus({ preventScroll: true });
}

function signUpAndLogIn() {
  stopPhone();
  nav.hidden = true;
  loggedIn = false;
  const signUp = form('Sign up', [
    field('Username', 'username', { required: true, autocomplete: 'username', minlength: 3, maxlength: 32 }),
    field('Password (10 characters or more)', 'password', { type: 'password', required: true, autocomplete: 'new-password', minlength: 10 }),
    field('Sign-up code (if the operator gave you one)', 'signupCode', { autocomplete: 'off' }),
  ], async v => {
    const r = await api('POST', '/portal/api/signup', { username: v.username, password: v.password, signupCode: v.signupCode || undefined });
    return r.approved ? `Welcome, ${r.username}: log in below.` : `Thanks, ${r.username}: you can log in once the operator approves your account.`;
  }, 'Sign up');
  const logIn = form('Log in', [
    field('Username', 'username', { required: true, autocomplete: 'username' }),
    field('Password', 'password', { type: 'password', required: true, autocomplete: 'current-password' }),
  ], async (v, f) => {
    await login({ username: v.username, password: v.password });
    f.reset();
    start();
    return '';
  }, 'Log in');
  show('Welcome', h('h3', {}, 'Log in'), logIn, h('h3', {}, 'New here? Sign up'), signUp);
}

async function home() {
  const me = await api('GET', '/portal/api/me');
  const sip = me.sip;
  const shownPassword = h('div', { 'aria-live': 'polite' });
  const reset = form('SIP password', [], async () => {
    const r = await api('POST', '/portal/api/sip-password');
    shownPassword.replaceChildren(h('p', {}, 'Your new SIP password (shown this once): ', h('code', { id: 'sip-password' }, r.password)));
    document.getElementById('sip-password-state').textContent = 'set';
    return 'Set. Enter it in your softphone now.';
  }, sip.passwordSet ? 'Reset SIP password' : 'Set SIP password');
  const settings = [
    ['Domain', sip.domain], ['User', sip.username], ['Registrar', sip.registrar],
    ['Transports', (sip.transports || []).map(t => typeof t === 'string' ? t : JSON.stringify(t)).join(', ')],
    ['Password', sip.passwordSet ? 'set (reset it to see a new one)' : 'not set yet'],
  ];
  show('My phone',
    h('p', {}, `Balance: ${me.balance ?? '0'} ${me.currency ?? ''}`),
    h('p', { id: 'my-number' }, me.numbers.length ? `Your number (caller ID): ${me.numbers.join(', ')}` : 'No number yet: ',
      me.numbers.length ? null : h('a', { href: '#number' }, 'take one')),
    h('h3', {}, 'SIP settings for a softphone'),
    h('dl', { id: 'sip-settings' }, settings.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { id: k === 'Password' ? 'sip-password-state' : null }, String(v ?? ''))])),
    reset, shownPassword);
}

async function number() {
  const results = h('div', { 'aria-live': 'polite' });
  const search = form('Search numbers', [field('Area code or prefix', 'q', { inputmode: 'numeric' })], async v => {
    const r = await api('GET', '/portal/api/numbers?q=' + enc(v.q || ''));
    results.replaceChildren(table(['Number', ''], r.numbers.map(n => h('tr', {}, h('td', {}, n), h('td', {},
      h('button', { type: 'button', 'aria-label': 'Take ' + n, onclick: async ev => {
        try {
          await api('POST', '/portal/api/numbers/' + enc(n));
          location.hash = 'home';
        } catch (e) {
          ev.target.after(h('span', { class: 'error', role: 'alert' }, ' ' + e.message));
        }
      } }, 'Take'))))));
    return r.numbers.length ? '' : 'No free number matches.';
  }, 'Search', { class: 'inline' });
  show('Take a number', h('p', { class: 'hint' }, 'It becomes your caller ID.'), search, results);
  search.requestSubmit();
}

async function calls() {
  const r = await api('GET', '/portal/api/calls');
  show('Call history', table(['When', 'To', 'From', 'Result', 'Seconds', 'Cost'], (r.cdrs || []).map(c => h('tr', {},
    h('td', {}, c.startedAt), h('td', {}, c.destination ?? ''), h('td', {}, c.callerId ?? ''), h('td', {}, c.disposition),
    h('td', {}, c.billableSeconds), h('td', {}, `${c.cost ?? ''} ${c.currency ?? ''}`)))));
}

async function dialpad() {
  show('Dialpad', await dialpadView());
  focusCall();
}

// a call rings wherever the user is in the portal: the dialpad shows it
whenCallComesIn(() => {
  if (location.hash === '#dialpad') focusCall(); else location.hash = 'dialpad';
});

const ROUTES = { home, number, calls, dialpad };

async function render() {
  const name = location.hash.slice(1) || 'home';
  document.querySelectorAll('nav a').forEach(a => {
    if (a.getAttribute('href') === '#' + name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  if (name !== 'dialpad') leftDialpad();
  try {
    await (ROUTES[name] || home)();
    view.dataset.view = name;
  } catch (e) {
    if (e.status !== 401) show('Something went wrong', h('p', { class: 'error', role: 'alert' }, e.message));
  }
}

function start() {
  loggedIn = true;
  nav.hidden = false;
  render();
}

whenLoggedOut(signUpAndLogIn);
window.addEventListener('hashchange', () => { if (loggedIn) render(); });
document.getElementById('logout').addEventListener('click', async () => {
  await logout().catch(() => {});
  signUpAndLogIn();
});
if (await resume()) start(); else signUpAndLogIn();
