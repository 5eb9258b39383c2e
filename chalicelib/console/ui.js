// Small DOM helpers. Text always goes in through textContent, never innerHTML, so a message
// body or a name can never become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let fieldCounter = 0;

// A labelled form field: <label for> + control, with an optional hint tied by aria-describedby.
export function field(label, control, hint) {
  const id = control.id || `f${++fieldCounter}`;
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('small', { id: hintId, class: 'hint' }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

export function select(name, options, value) {
  return h(
    'select',
    { name },
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

export function toast(text, kind = 'info') {
  const el = document.getElementById('toast');
  replace(el, text);
  el.dataset.kind = kind;
  el.classList.add('shown');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove('shown'), 5000);
}

// The message an API error carries ({"error", "message", "field"}), for people to read.
export function problem(err) {
  const body = err && err.body;
  if (body && body.message) return body.field ? `${body.message}` : body.message;
  return (err && err.message) || 'Something went wrong';
}

// Run an async action from a form: disables the submit button meanwhile, shows errors inline.
export async function submitting(form, action) {
  const button = form.querySelector('[type=submit]');
  const status = form.querySelector('.form-error');
  if (button) button.disabled = true;
  if (status) replace(status);
  try {
    return await action();
  } catch (err) {
    if (status) replace(status, problem(err));
    else toast(problem(err), 'error');
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function formError() {
  return h('p', { class: 'form-error', role: 'alert' });
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// +14155550101 -> +1 415 555 0101 (display only).
export function phone(e164) {
  if (!e164) return '';
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164);
  return m ? `+1 ${m[1]} ${m[2]} ${m[3]}` : e164;
}

export function badge(text, kind = '') {
  return h('span', { class: `badge ${kind}`.trim() }, text);
}

export function table(caption, headers, rows) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'Nothing here yet.'))),
    ),
  );
}

// Tabs with the WAI-ARIA pattern: arrow keys move between tabs, each tab controls one panel.
export function tabs(label, entries, initial, onChange) {
  const list = h('div', { role: 'tablist', 'aria-label': label, class: 'tabs' });
  const buttons = entries.map(([key, text]) =>
    h('button', {
      type: 'button',
      role: 'tab',
      id: `tab-${key}`,
      'aria-controls': 'tabpanel',
      'aria-selected': key === initial ? 'true' : 'false',
      tabindex: key === initial ? '0' : '-1',
      dataset: { key },
      onclick: () => choose(key, false),
    }, text),
  );
  function choose(key, focus) {
    for (const b of buttons) {
      const on = b.dataset.key === key;
      b.setAttribute('aria-selected', on ? 'true' : 'false');
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    onChange(key);
  }
  list.addEventListener('keydown', (event) => {
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    choose(buttons[(i + step + buttons.length) % buttons.length].dataset.key, true);
  });
  list.append(...buttons);
  return list;
}
