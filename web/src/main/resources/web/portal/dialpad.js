// The dialpad: the user's phone in the page. JsSIP (served by this server, loaded when the dialpad first opens) registers
// as the user over the edge's SIP on WebSocket, with what POST /portal/api/webphone issues to the session: the URL, the
// SIP URI and the digest HA1 of the SIP password (kept in this module's memory only, never in storage).
import { api, ApiError } from './api.js';
import { h } from './ui.js';

const JSSIP = 'jssip-3.13.8.min.js';
const KEYS = [['1', ''], ['2', 'ABC'], ['3', 'DEF'], ['4', 'GHI'], ['5', 'JKL'], ['6', 'MNO'],
  ['7', 'PQRS'], ['8', 'TUV'], ['9', 'WXYZ'], ['*', ''], ['0', '+'], ['#', '']];

// One phone per page: it stays registered while the user looks at other views, so that calls ring.
const phone = { ua: null, settings: null, registered: false, problem: null, session: null, incoming: false,
  state: 'Not connected', connectedAt: null, sent: '', retriedAuth: false };
let shown = null; // the dialpad's elements while the dialpad is the view, else null
let onIncoming = () => {};

/** The user's text as the user part of a SIP URI: digits, a leading +, * and #; spaces, dashes, dots, brackets and / dropped. */
export function dialTarget(text, domain) {
  const number = String(text || '').trim().replace(/[\s().\-/]/g, '');
  if (!/^\+?[0-9*#]{1,32}$/.test(number)) {
    throw new ApiError(422, 'number', 'enter a number: digits (spaces, dashes and brackets are fine), with + for an international one');
  }
  return `sip:${number.replace(/#/g, '%23')}@${domain}`;
}

function loadJsSip() {
  if (window.JsSIP) return Promise.resolve();
  return new Promise((resolve, reject) => {
    document.head.append(h('script', { src: JSSIP, onload: resolve, onerror: () => reject(new Error('the phone library did not load')) }));
  });
}

function setState(state, problem = null) {
  phone.state = state;
  phone.problem = problem;
  refresh();
}

function who(session) {
  const identity = session.remote_identity;
  return (identity && (identity.display_name || identity.uri.user)) || 'unknown';
}

function track(session) {
  phone.session = session;
  phone.sent = '';
  session.on('progress', () => { if (!phone.incoming) setState('Ringing…'); });
  session.on('accepted', () => { phone.connectedAt = Date.now(); phone.incoming = false; setState('Connected'); });
  session.on('confirmed', () => { if (!phone.connectedAt) phone.connectedAt = Date.now(); phone.incoming = false; setState('Connected'); });
  session.on('peerconnection', e => {
    e.peerconnection.addEventListener('track', t => {
      const audio = document.getElementById('remote-audio');
      if (audio && t.streams[0]) audio.srcObject = t.streams[0];
    });
  });
  const over = text => {
    phone.session = null;
    phone.incoming = false;
    phone.connectedAt = null;
    setState(text);
  };
  session.on('ended', e => over(e.originator === 'local' ? 'Call ended' : 'Call ended by the other side'));
  session.on('failed', e => over(e.originator === 'local' && e.cause === JsSIP.C.causes.REJECTED ? 'Call declined'
    : e.originator === 'local' && e.cause === JsSIP.C.causes.CANCELED ? 'Call cancelled' : `Call failed: ${e.cause}`));
}

async function start() {
  if (phone.ua) return;
  setState('Connecting…');
  const settings = await api('POST', '/portal/api/webphone');
  await loadJsSip();
  phone.settings = settings;
  JsSIP.debug.disable('JsSIP:*');
  const ua = new JsSIP.UA({
    sockets: [new JsSIP.WebSocketInterface(settings.wsUrl)], uri: settings.uri, authorization_user: settings.username,
    ha1: settings.ha1, realm: settings.realm, register: true, register_expires: 300,
    // no re-INVITEs of our own: the edge keeps its own session timers on each leg
    session_timers: false, user_agent: 'sipstream dialpad',
  });
  phone.ua = ua;
  ua.on('connecting', () => { if (!phone.registered) setState('Connecting…'); });
  ua.on('disconnected', () => { phone.registered = false; if (!phone.session) setState('Not connected: trying again…'); });
  ua.on('registered', () => { phone.registered = true; phone.retriedAuth = false; if (!phone.session) setState('Ready'); });
  ua.on('unregistered', () => { phone.registered = false; if (!phone.session) setState('Not connected'); });
  ua.on('registrationFailed', e => {
    phone.registered = false;
    // the SIP password was reset since: once, fetch the new credential and start again
    if (e.cause === JsSIP.C.causes.AUTHENTICATION_ERROR && !phone.retriedAuth) {
      phone.retriedAuth = true;
      stop();
      start().catch(err => setState('Not connected', err.message));
      return;
    }
    setState('Not connected', `registration failed: ${e.cause}`);
  });
  ua.on('newRTCSession', e => {
    if (e.originator !== 'remote') return;
    if (phone.session) { // one call at a time
      e.session.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
      return;
    }
    phone.incoming = true;
    track(e.session);
    setState(`Incoming call from ${who(e.session)}`);
    onIncoming();
  });
  ua.start();
}

/** Ends the phone (log-out): unregisters and closes the WebSocket. */
export function stop() {
  if (!phone.ua) return;
  const ua = phone.ua;
  phone.ua = null;
  phone.registered = false;
  phone.session = null;
  phone.incoming = false;
  ua.removeAllListeners();
  ua.stop();
  phone.state = 'Not connected';
}

/** Calls back when a call comes in (the portal shows the dialpad). */
export function whenCallComesIn(callback) { onIncoming = callback; }

function call(number) {
  const target = dialTarget(number, phone.settings.domain);
  if (!phone.registered) throw new ApiError(503, null, 'not connected yet: wait for "Ready"');
  phone.incoming = false;
  setState(`Calling ${number}…`);
  track(phone.ua.call(target, { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } }));
}

function press(key) {
  if (phone.session && phone.session.isEstablished()) {
    // SIP INFO: the edge relays it to the other leg whatever the media path (RFC 2833 needs the media to flow)
    phone.session.sendDTMF(key, { transportType: 'INFO', duration: 100 });
    phone.sent += key;
    refresh();
  } else if (shown) {
    shown.number.value += key;
    shown.number.focus();
  }
}

function refresh() {
  if (!shown) return;
  const { state, problem, sent, callButtons, incomingButtons, hangUp, callButton } = shown;
  state.textContent = phone.state;
  problem.textContent = phone.problem || '';
  const inCall = !!phone.session;
  callButtons.hidden = inCall;
  callButton.disabled = !phone.registered;
  incomingButtons.hidden = !(inCall && phone.incoming);
  hangUp.hidden = !inCall || phone.incoming;
  sent.textContent = phone.sent ? `Tones sent: ${phone.sent.split('').join(' ')}` : '';
  shown.root.dataset.state = !phone.registered ? 'offline' : !inCall ? 'ready' : phone.incoming ? 'incoming'
    : phone.connectedAt ? 'connected' : 'calling';
}

/** Puts the keyboard's focus on what the call needs now: Answer while one rings. */
export function focusCall() {
  if (shown && phone.incoming) shown.answer.focus();
}

/** The dialpad view's content; starts the phone the first time. */
export async function dialpadView() {
  const number = h('input', { id: 'dial-number', name: 'number', type: 'tel', inputmode: 'tel', autocomplete: 'tel',
    placeholder: 'e.g. (415) 555-0199', required: true, 'aria-describedby': 'dial-hint' });
  const problem = h('p', { class: 'error', role: 'alert', id: 'dial-problem' });
  const callButton = h('button', { type: 'submit', id: 'call', class: 'call' }, 'Call');
  const callButtons = h('div', { class: 'actions' }, callButton);
  const dial = h('form', { 'aria-label': 'Dial', class: 'dial' },
    h('label', { for: 'dial-number' }, 'Number'), number,
    h('p', { class: 'hint', id: 'dial-hint' }, 'As you would dial it at home, or with + and the country code.'),
    callButtons, problem);
  dial.addEventListener('submit', ev => {
    ev.preventDefault();
    try {
      call(number.value);
    } catch (e) {
      setState(phone.state, e.message);
    }
  });
  const answer = h('button', { type: 'button', id: 'answer', class: 'call', onclick: () => {
    phone.session.answer({ mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } });
  } }, 'Answer');
  const decline = h('button', { type: 'button', id: 'decline', class: 'danger', onclick: () => {
    phone.session.terminate({ status_code: 603, reason_phrase: 'Decline' });
  } }, 'Decline');
  const incomingButtons = h('div', { class: 'actions', id: 'incoming' }, answer, decline);
  const hangUp = h('button', { type: 'button', id: 'hang-up', class: 'danger', onclick: () => phone.session && phone.session.terminate() }, 'Hang up');
  const keypad = h('div', { class: 'keypad', role: 'group', 'aria-label': 'Keypad (during a call: tones)' },
    KEYS.map(([key, letters]) => h('button', { type: 'button', class: 'key', 'data-key': key, 'aria-label': key,
      onclick: () => press(key) }, key, h('span', { 'aria-hidden': 'true' }, letters))));
  const root = h('div', { class: 'dialpad', id: 'dialpad' },
    h('p', { class: 'call-state', role: 'status', 'aria-live': 'polite' }, h('span', { id: 'call-state' })),
    dial, incomingButtons, hangUp, keypad,
    h('p', { class: 'hint', id: 'dtmf-sent', 'aria-live': 'polite' }),
    h('audio', { id: 'remote-audio', autoplay: true }));
  // the keyboard's digits are tones during a call, wherever the focus is in the dialpad
  root.addEventListener('keydown', ev => {
    if (phone.session && phone.session.isEstablished() && /^[0-9*#]$/.test(ev.key)) {
      ev.preventDefault();
      press(ev.key);
    }
  });
  shown = { root, number, state: root.querySelector('#call-state'), problem, sent: root.querySelector('#dtmf-sent'),
    callButtons, callButton, incomingButtons, answer, hangUp };
  refresh();
  try {
    await start();
  } catch (e) {
    if (e.status === 503) {
      return h('p', { class: 'placeholder' }, e.message, '. Use a softphone with the SIP settings on "My phone" meanwhile.');
    }
    setState('Not connected', e.message);
  }
  return root;
}

/** The dialpad is no longer the view: the phone goes on (a call rings), the elements are dropped. */
export function leftDialpad() { shown = null; }
