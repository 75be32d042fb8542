// Page building blocks shared by the console and the portal. Values are put in the page as text, never as HTML.
import { ApiError } from './api.js';

/** h('td', {class: 'x'}, 'text', childNode): an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function table(headers, rows, caption) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    caption ? h('caption', { class: 'hint' }, caption) : null,
    h('thead', {}, h('tr', {}, headers.map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length ? rows : [h('tr', {}, h('td', { colspan: headers.length }, 'Nothing to show.'))])));
}

let fieldIds = 0;
/** A labelled input; its error (by field name) shows below it. */
export function field(label, name, attrs = {}) {
  const id = 'f-' + name.replace(/[^a-zA-Z0-9]/g, '-') + '-' + (++fieldIds);
  const input = attrs.type === 'textarea' ? h('textarea', { id, name, ...attrs, type: null })
    : attrs.type === 'select' ? h('select', { id, name }, attrs.options.map(o => h('option', { value: o, selected: o === attrs.value }, o)))
    : h('input', { id, name, ...attrs });
  if (attrs.type === 'textarea' && attrs.value) input.value = attrs.value;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input,
    h('div', { class: 'field-error', 'data-error-for': name, 'aria-live': 'polite' }));
}

export function clearErrors(form) {
  form.querySelectorAll('[data-error-for]').forEach(e => { e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach(e => e.removeAttribute('aria-invalid'));
  form.querySelector('.form-error').textContent = '';
}

/** Shows an API error on the field it names (422/400 `field`), else on the form as a whole. */
export function showError(form, error) {
  clearErrors(form);
  const general = form.querySelector('.form-error');
  const message = error instanceof ApiError ? error.message : String(error);
  const root = error.field ? error.field.replace(/[[.].*$/, '') : null;
  const slot = root && (form.querySelector(`[data-error-for="${CSS.escape(error.field)}"]`)
    || form.querySelector(`[data-error-for="${CSS.escape(root)}"]`));
  if (slot) {
    slot.textContent = `${error.field}: ${message}`;
    const input = form.querySelector(`[name="${CSS.escape(slot.dataset.errorFor)}"]`);
    if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
  } else {
    general.textContent = (error.field ? error.field + ': ' : '') + message;
  }
}

/** A form whose submit runs `action(values)`, shows the API's errors by field and says when it is done. */
export function form(title, fields, action, submitLabel = 'Save', attrs = {}) {
  const done = h('p', { class: 'ok', role: 'status' });
  const f = h('form', { 'aria-label': title, ...attrs }, fields, h('button', { type: 'submit' }, submitLabel),
    h('p', { class: 'error form-error', role: 'alert' }), done);
  f.addEventListener('submit', async ev => {
    ev.preventDefault();
    done.textContent = '';
    const values = Object.fromEntries(new FormData(f).entries());
    f.querySelectorAll('input[type=checkbox]').forEach(c => { values[c.name] = c.checked; });
    try {
      const message = await action(values, f);
      clearErrors(f);
      done.textContent = message || 'Saved.';
    } catch (e) {
      showError(f, e);
    }
  });
  return f;
}

export function jsonField(text, name) {
  if (!text || !text.trim()) return {};
  try { return JSON.parse(text); } catch (e) { throw new ApiError(400, name, 'not JSON: ' + e.message); }
}

export function without(object, keys) {
  const copy = { ...object };
  for (const k of keys) delete copy[k];
  return copy;
}

export const checkbox = (label, name, checked) => h('div', { class: 'field' },
  h('label', {}, h('input', { type: 'checkbox', name, checked: !!checked }), ' ', label),
  h('div', { class: 'field-error', 'data-error-for': name }));

