// The console's pages. Every value from the API is put in the page as text (never as HTML).
import { api, all, enc } from './api.js';
import { h, table, field, form, checkbox, jsonField, without } from './ui.js';
import { callCharts } from './charts.js';

export { h };

// ---- accounts ----

const ACCOUNT_MAIN = ['displayName', 'enabled', 'region', 'defaultCallerId', 'outboundTrunk', 'prepaid'];
const ACCOUNT_READ_ONLY = ['id', 'sipDomain', 'numbers', 'dialPlan', 'version', 'updatedAt'];

function accountFields(a = {}) {
  return [
    field('Display name', 'displayName', { value: a.displayName ?? '', required: true }),
    checkbox('Enabled', 'enabled', a.enabled ?? true),
    field('Region (ISO country)', 'region', { value: a.region ?? 'US', required: true, maxlength: 2 }),
    field('Default caller ID', 'defaultCallerId', { value: a.defaultCallerId ?? '' }),
    field('Outbound trunk', 'outboundTrunk', { value: a.outboundTrunk ?? '' }),
    checkbox('Prepaid', 'prepaid', a.prepaid),
    field('Other fields (JSON, docs/api.md)', 'extra', { type: 'textarea',
      value: JSON.stringify(without(a, [...ACCOUNT_MAIN, ...ACCOUNT_READ_ONLY]), null, 2) }),
  ];
}

function accountBody(v) {
  const body = { ...jsonField(v.extra, 'extra') };
  for (const k of ACCOUNT_MAIN) body[k] = v[k];
  for (const k of ['defaultCallerId', 'outboundTrunk']) if (body[k] === '') body[k] = null;
  return body;
}

export async function accounts(view, params) {
  const q = params.get('q') || '';
  const cursor = params.get('cursor');
  const page = await api('GET', `/v1/accounts?limit=50&q=${enc(q)}` + (cursor ? `&cursor=${enc(cursor)}` : ''));
  const search = h('form', { class: 'inline', role: 'search', onsubmit: ev => {
    ev.preventDefault();
    location.hash = 'accounts?q=' + enc(ev.target.q.value);
  } }, h('label', {}, 'Search accounts', h('input', { name: 'q', type: 'search', value: q })), h('button', { type: 'submit' }, 'Search'));
  const rows = page.items.map(a => h('tr', {},
    h('td', {}, h('a', { href: '#account?id=' + enc(a.id) }, a.id)),
    h('td', {}, a.displayName), h('td', {}, a.enabled ? 'enabled' : 'disabled'),
    h('td', {}, (a.numbers || []).join(', ')), h('td', {}, a.outboundTrunk ?? '')));
  const next = page.next ? h('a', { href: `#accounts?q=${enc(q)}&cursor=${enc(page.next)}` }, 'Next page') : null;
  const create = form('New account', [field('Account id', 'id', { required: true, pattern: '[A-Za-z0-9._-]+' }), ...accountFields()],
    async v => {
      await api('PUT', '/v1/accounts/' + enc(v.id), accountBody(v), {});
      location.hash = 'account?id=' + enc(v.id);
      return 'Created.';
    }, 'Create account');
  view.replaceChildren(h('h2', {}, 'Accounts'), search,
    table(['Id', 'Name', 'State', 'Numbers', 'Trunk'], rows), next,
    h('h3', {}, 'New account'), create);
}

export async function account(view, params) {
  const id = params.get('id');
  const a = await api('GET', '/v1/accounts/' + enc(id));
  const path = '/v1/accounts/' + enc(id);
  const reload = () => account(view, params);
  const edit = form('Edit account', accountFields(a), async v => {
    await api('PUT', path, accountBody(v));
    return 'Saved.';
  });
  const disable = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    await api('PUT', path, { ...without(a, ACCOUNT_READ_ONLY), enabled: !a.enabled });
    reload();
  } }, a.enabled ? 'Disable account' : 'Enable account');
  const remove = h('button', { type: 'button', class: 'danger', onclick: async () => {
    if (!confirm(`Delete account ${id}? Its numbers and credentials are freed.`)) return;
    await api('DELETE', path);
    location.hash = 'accounts';
  } }, 'Delete account');
  const numbers = table(['Number', ''], (a.numbers || []).map(n => h('tr', {}, h('td', {}, n), h('td', {},
    h('button', { type: 'button', class: 'secondary', 'aria-label': 'Remove number ' + n, onclick: async ev => {
      try { await api('DELETE', `${path}/numbers/${enc(n)}`); reload(); } catch (e) { ev.target.after(h('span', { class: 'error', role: 'alert' }, ' ' + e.message)); }
    } }, 'Remove')))));
  const addNumber = form('Add number', [field('Number (any format)', 'number', { required: true })], async v => {
    await api('PUT', `${path}/numbers/${enc(v.number)}`, {});
    reload();
  }, 'Add number', { class: 'inline' });
  const password = form('Reset SIP password', [field('New SIP password', 'password', { type: 'password', required: true, autocomplete: 'new-password' })],
    async v => { await api('PUT', `${path}/password`, { password: v.password }); return 'Password set.'; }, 'Set password', { class: 'inline' });
  const dialPlan = await api('GET', `${path}/dialplan`);
  const plan = form('Dial plan', [field('Rules (JSON array, docs/api.md)', 'rules', { type: 'textarea', value: JSON.stringify(dialPlan.rules || [], null, 2) })],
    async v => {
      const rules = jsonField(v.rules, 'rules');
      await api('PUT', `${path}/dialplan`, { rules });
      return 'Dial plan saved.';
    }, 'Save dial plan');
  // the API names a rule's field as rules[2].pattern: show it on the rules box
  const usage = await api('GET', `${path}/usage`).catch(() => null);
  view.replaceChildren(h('h2', {}, 'Account ', id),
    h('p', {}, `${a.enabled ? 'Enabled' : 'Disabled'}; SIP domain ${a.sipDomain ?? ''}; version ${a.version}`),
    h('div', { class: 'actions' }, disable, remove, h('a', { href: '#dryrun?account=' + enc(id) }, 'What happens if it dials…'),
      h('a', { href: '#cdrs?account=' + enc(id) }, 'Its CDRs'), h('a', { href: '#credits?account=' + enc(id) }, 'Credit it')),
    usage ? h('p', {}, `Balance: ${usage.balance ?? '–'} ${usage.currency ?? ''}; live calls: ${usage.liveCalls ?? 0}`) : null,
    h('h3', {}, 'Edit'), edit, h('h3', {}, 'Numbers'), numbers, addNumber,
    h('h3', {}, 'SIP password'), password, h('h3', {}, 'Dial plan'), plan);
}

// ---- trunks ----

const TRUNK_MAIN = ['host', 'port', 'transport'];
const TRUNK_READ_ONLY = ['id', 'version', 'updatedAt', 'hasCredentials'];

export async function trunks(view) {
  const list = await all('/v1/trunks');
  const health = await Promise.all(list.map(t => api('GET', `/v1/trunks/${enc(t.id)}/health`).catch(() => null)));
  const rows = list.map((t, i) => h('tr', {},
    h('td', {}, h('a', { href: '#trunk?id=' + enc(t.id) }, t.id)), h('td', {}, `${t.host}:${t.port}`), h('td', {}, t.transport),
    h('td', {}, health[i] ? health[i].state : 'unknown'), h('td', {}, health[i]?.lastResult ?? '')));
  view.replaceChildren(h('h2', {}, 'Trunks'), table(['Id', 'Address', 'Transport', 'Health', 'Last probe'], rows),
    h('h3', {}, 'New trunk'), trunkForm(null, {}));
}

function trunkForm(id, t) {
  return form(id ? 'Edit trunk' : 'New trunk', [
    id ? null : field('Trunk id', 'id', { required: true, pattern: '[A-Za-z0-9._-]+' }),
    field('Host', 'host', { value: t.host ?? '', required: true }),
    field('Port', 'port', { type: 'number', value: t.port ?? 5060, min: 1, max: 65535, required: true }),
    field('Transport', 'transport', { type: 'select', options: ['udp', 'tcp', 'tls'], value: t.transport ?? 'udp' }),
    field('Other fields (JSON, docs/api.md)', 'extra', { type: 'textarea', value: JSON.stringify(without(t, [...TRUNK_MAIN, ...TRUNK_READ_ONLY]), null, 2) }),
  ], async v => {
    const body = { ...jsonField(v.extra, 'extra'), host: v.host, port: Number(v.port), transport: v.transport };
    await api('PUT', '/v1/trunks/' + enc(id ?? v.id), body);
    if (!id) location.hash = 'trunks?created=' + enc(v.id);
    return 'Saved.';
  }, id ? 'Save' : 'Create trunk');
}

export async function trunk(view, params) {
  const id = params.get('id');
  const t = await api('GET', '/v1/trunks/' + enc(id));
  const health = await api('GET', `/v1/trunks/${enc(id)}/health`).catch(e => ({ state: e.message }));
  view.replaceChildren(h('h2', {}, 'Trunk ', id),
    h('dl', {}, Object.entries(health).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v ?? ''))])),
    trunkForm(id, t),
    h('button', { type: 'button', class: 'danger', onclick: async ev => {
      if (!confirm(`Delete trunk ${id}?`)) return;
      try { await api('DELETE', '/v1/trunks/' + enc(id)); location.hash = 'trunks'; } catch (e) { ev.target.after(h('p', { class: 'error', role: 'alert' }, e.message)); }
    } }, 'Delete trunk'));
}

// ---- routes ----

export async function routes(view) {
  const list = (await api('GET', '/v1/routes')).routes;
  const rows = list.map(r => h('tr', {}, h('td', {}, r.id), h('td', {}, JSON.stringify(without(r, ['id', 'version', 'updatedAt'])))));
  const edit = form('Route', [field('Route id', 'id', { required: true }),
    field('Route (JSON, docs/api.md)', 'route', { type: 'textarea', value: '{\n  "prefixes": ["1"],\n  "trunks": [{"trunk": "t1"}]\n}' })],
  async v => { await api('PUT', '/v1/routes/' + enc(v.id), jsonField(v.route, 'route')); routes(view); return 'Saved.'; }, 'Save route');
  view.replaceChildren(h('h2', {}, 'Routes'), table(['Id', 'Route'], rows), h('h3', {}, 'Write a route'), edit);
}

// ---- rate decks ----

export async function ratedecks(view) {
  const upload = form('Upload rate deck', [
    field('Deck id', 'deck', { required: true, value: 'default' }),
    field('CSV file', 'file', { type: 'file', accept: '.csv,text/csv' }),
    field('or CSV text', 'csv', { type: 'textarea', value: 'prefix,price_per_minute,currency,first_increment,next_increment\n' }),
  ], async (v, f) => {
    const file = f.querySelector('input[type=file]').files[0];
    const csv = file ? await file.text() : v.csv;
    const r = await api('PUT', '/v1/ratedecks/' + enc(v.deck), csv, { contentType: 'text/csv' });
    return `Deck ${r.deckId}: ${r.rows} rows, ${r.written} written, ${r.removed} removed.`;
  }, 'Upload');
  const show = form('Show rate deck', [field('Deck id', 'deck', { required: true, value: 'default' })], async (v, f) => {
    const deck = await api('GET', '/v1/ratedecks/' + enc(v.deck), undefined, { accept: 'text/csv' });
    f.querySelector('pre')?.remove();
    f.append(h('pre', {}, String(deck).slice(0, 20000)));
    return '';
  }, 'Show', { class: 'inline' });
  view.replaceChildren(h('h2', {}, 'Rate decks'),
    h('p', { class: 'hint' }, 'A refused line is named with its line and column below the form.'), upload, show);
}

// ---- credits and balances ----

export async function credits(view, params) {
  const accountId = params.get('account') || '';
  const balance = h('div', { 'aria-live': 'polite' });
  const look = form('Balance', [field('Account id', 'account', { required: true, value: accountId })], async v => {
    const u = await api('GET', `/v1/accounts/${enc(v.account)}/usage`);
    balance.replaceChildren(h('pre', {}, JSON.stringify(u, null, 2)));
    return '';
  }, 'Show balance', { class: 'inline' });
  const credit = form('Credit', [field('Account id', 'account', { required: true, value: accountId }),
    field('Amount', 'amount', { required: true, inputmode: 'decimal' }), field('Currency', 'currency', { required: true, value: 'USD' }),
    field('Reason', 'reason', {})], async v => {
    const r = await api('POST', `/v1/accounts/${enc(v.account)}/credits`, { amount: v.amount, currency: v.currency,
      reason: v.reason || undefined, idempotencyKey: crypto.randomUUID() });
    return `Credited; balance ${r.balance ?? '(pending)'}.`;
  }, 'Credit account');
  view.replaceChildren(h('h2', {}, 'Credits and balances'), look, balance, h('h3', {}, 'Credit an account'), credit);
}

// ---- live calls ----

export async function calls(view) {
  const list = await all('/v1/calls', 1000);
  const seconds = ms => Math.round((ms || 0) / 1000) + ' s';
  const rows = list.map(c => h('tr', {}, h('td', {}, c.accountId ?? ''), h('td', {}, c.direction), h('td', {}, c.callerId ?? ''),
    h('td', {}, c.destination ?? ''), h('td', {}, c.trunkId ?? ''), h('td', {}, c.state), h('td', {}, seconds(c.durationMillis)),
    h('td', {}, 'needs media anchoring'),
    h('td', {}, h('button', { type: 'button', class: 'danger', 'aria-label': `Hang up call of ${c.accountId} to ${c.destination}`,
      onclick: async () => { await api('DELETE', '/v1/calls/' + enc(c.callId)).catch(() => {}); calls(view); } }, 'Hang up'))));
  view.replaceChildren(h('h2', {}, 'Live calls'),
    h('button', { type: 'button', class: 'secondary', onclick: () => calls(view) }, 'Refresh'),
    table(['Account', 'Direction', 'Caller ID', 'Destination', 'Trunk', 'State', 'Duration', 'Media', ''], rows, `${list.length} calls in progress`));
}

// ---- CDRs ----

function cdrQuery(v) {
  const p = new URLSearchParams();
  if (v.from) p.set('from', new Date(v.from).toISOString());
  if (v.to) p.set('to', new Date(v.to).toISOString());
  if (v.account) p.set('account', v.account);
  return p.toString();
}

export async function cdrs(view, params) {
  const values = { account: params.get('account') || '', from: params.get('from') || '', to: params.get('to') || '' };
  const results = h('div', {});
  const filters = form('CDR filters', [
    field('Account', 'account', { value: values.account }),
    field('From', 'from', { type: 'datetime-local', value: values.from }),
    field('To', 'to', { type: 'datetime-local', value: values.to })], async v => {
    const page = await api('GET', '/v1/cdrs?limit=200&' + cdrQuery(v));
    results.replaceChildren(table(['Ended', 'Account', 'Caller ID', 'Destination', 'Trunk', 'Disposition', 'Status', 'Seconds', 'Cost'],
      page.items.map(c => h('tr', {}, h('td', {}, c.endedAt), h('td', {}, c.accountId), h('td', {}, c.callerId ?? ''), h('td', {}, c.destination ?? ''),
        h('td', {}, c.trunkId ?? ''), h('td', {}, c.disposition), h('td', {}, c.sipStatus), h('td', {}, c.billableSeconds),
        h('td', {}, `${c.cost ?? ''} ${c.currency ?? ''}`))), page.next ? 'The first 200; export for all of them.' : null));
    const exportLink = h('button', { type: 'button', class: 'secondary', onclick: async () => {
      const csv = await api('GET', '/v1/cdrs?' + cdrQuery(v), undefined, { accept: 'text/csv' });
      const a = h('a', { href: URL.createObjectURL(new Blob([csv], { type: 'text/csv' })), download: 'cdrs.csv' });
      document.body.append(a); a.click(); a.remove();
    } }, 'Export CSV');
    results.prepend(exportLink);
    return '';
  }, 'Show CDRs', { class: 'inline' });
  view.replaceChildren(h('h2', {}, 'CDRs'), filters, results);
  filters.requestSubmit();
}

// ---- dry run ----

export async function dryrun(view, params) {
  const out = h('div', { 'aria-live': 'polite' });
  const ask = form('Dry run', [field('Account id', 'accountId', { required: true, value: params.get('account') || '' }),
    field('Dialled number', 'dialled', { required: true }), field('Caller ID (optional)', 'callerId', {})], async v => {
    const d = await api('POST', '/v1/routing/dry-run', { accountId: v.accountId, dialled: v.dialled, callerId: v.callerId || null });
    const summary = d.action === 'ROUTE'
      ? `Routed to ${d.destination} as ${d.callerId ?? 'anonymous'} over ${d.targets.map(t => t.trunkId ?? t.accountId ?? t.requestUri).join(', then ')}`
        + (d.maxDurationSeconds ? `, capped at ${d.maxDurationSeconds} s` : '')
      : `Refused ${d.sipStatus}: ${d.reason}`;
    out.replaceChildren(h('p', { class: 'verdict-summary' }, summary), h('pre', { class: 'verdict' }, JSON.stringify(d, null, 2)));
    return '';
  }, 'Decide');
  view.replaceChildren(h('h2', {}, 'What happens if this account dials…'),
    h('p', { class: 'hint' }, "The router's own decision on its current data, without placing a call (limits on concurrent calls and calls per second aside)."),
    ask, out);
}

// ---- charts ----

export async function charts(view) {
  const to = new Date();
  const from = new Date(to.getTime() - 3600_000);
  const cdrList = await all(`/v1/cdrs?from=${enc(from.toISOString())}&to=${enc(to.toISOString())}`, 20000);
  view.replaceChildren(h('h2', {}, 'The last hour'), ...callCharts(cdrList, from, to));
}

