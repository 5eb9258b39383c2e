// Compliance: search the archive, place and release legal holds, run an export, download it and
// verify it. Search criteria travel in request bodies, never in the URL.

import { api, items, seg } from './api.js';
import { badge, field, formError, h, phone, replace, select, submitting, table, tabs, toast, when } from './ui.js';

const POLL_MS = 1500;

export async function complianceView(main, { rest }) {
  const initial = ['search', 'holds', 'exports'].includes(rest[0]) ? rest[0] : 'search';
  const panel = h('div', { id: 'tabpanel', role: 'tabpanel', tabindex: '0', 'aria-labelledby': `tab-${initial}` });
  const timers = new Set();
  replace(
    main,
    h('h1', {}, 'Compliance'),
    tabs('Compliance sections', [['search', 'Search archive'], ['holds', 'Legal holds'], ['exports', 'Exports']], initial, (key) => {
      panel.setAttribute('aria-labelledby', `tab-${key}`);
      window.history.replaceState(null, '', `#/compliance/${key}`);
      show(key);
    }),
    panel,
  );
  const views = { search, holds, exports: (p, s) => exportsView(p, s, timers) };
  async function show(key) {
    for (const t of timers) clearInterval(t);
    timers.clear();
    await views[key](panel, show);
  }
  await show(initial);
  return () => {
    for (const t of timers) clearInterval(t);
  };
}

function criteriaFields() {
  return [
    field('Customer number', h('input', { name: 'customer_number', type: 'tel', autocomplete: 'off' })),
    field('Employee id', h('input', { name: 'employee_id', autocomplete: 'off' })),
    field('Thread id', h('input', { name: 'thread_id', autocomplete: 'off' })),
    field('From', h('input', { name: 'start', type: 'date' })),
    field('To', h('input', { name: 'end', type: 'date' })),
    field('Text in messages', h('input', { name: 'text', type: 'search', autocomplete: 'off' })),
  ];
}

function criteria(form) {
  const out = {};
  for (const [key, value] of new FormData(form).entries()) if (value) out[key] = value;
  return out;
}

function recordRow(r) {
  return h(
    'tr',
    {},
    h('td', {}, when(r.created_at || r.at)),
    h('td', {}, r.type || r.kind || r.direction || ''),
    h('td', {}, phone(r.customer_number)),
    h('td', {}, r.owner || r.employee_id || r.sender_employee_id || ''),
    h('td', { class: 'body' }, r.body || ''),
  );
}

async function search(panel) {
  const results = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'card grid', id: 'search-form' }, h('h2', {}, 'Search the archive'), criteriaFields(), formError(), h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const found = items(await api('archive/search', { method: 'POST', body: criteria(form) }), 'records', 'results');
      replace(results, table(`${found.length} record(s)`, ['When', 'Kind', 'Customer', 'Employee', 'Text'], found.map(recordRow)));
    });
  });
  replace(panel, form, results);
}

async function holds(panel, show) {
  const list = items(await api('legal-holds'), 'holds', 'legal_holds');
  const scope = select('scope', [['thread', 'Thread'], ['customer', 'Customer number'], ['employee', 'Employee']], 'thread');
  const form = h(
    'form',
    { class: 'card inline', id: 'hold-form' },
    h('h2', {}, 'Place a legal hold'),
    field('On', scope),
    field('Which', h('input', { name: 'value', required: true, autocomplete: 'off' }), 'The thread id, customer number or employee id'),
    field('Reason or matter', h('input', { name: 'reason', required: true, autocomplete: 'off' })),
    formError(),
    h('button', { type: 'submit', class: 'primary' }, 'Place hold'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const data = criteria(form);
      await api('legal-holds', { method: 'POST', body: { scope: data.scope, value: data.value, reason: data.reason } });
      toast('Legal hold placed');
      await show('holds');
    });
  });
  const rows = list.map((hold) => {
    const release = h('button', { type: 'button', onclick: async () => {
      release.disabled = true;
      await api(`legal-holds/${seg(hold.hold_id)}`, { method: 'DELETE' }).then(() => toast('Legal hold released')).catch((err) => toast(err.message, 'error'));
      await show('holds');
    } }, 'Release');
    return h('tr', {}, h('td', {}, hold.scope), h('td', {}, hold.scope === 'customer' ? phone(hold.value) : hold.value), h('td', {}, hold.reason || ''), h('td', {}, when(hold.created_at)), h('td', {}, hold.released_at ? badge('released') : release));
  });
  replace(panel, table('Legal holds', ['On', 'Which', 'Reason', 'Placed', ''], rows), form);
}

function drawExport(box, job) {
  const done = /succeed|complete|ready|done/i.test(job.status || '');
  const verify = h('button', { type: 'button', id: 'verify-button', onclick: async () => {
    verify.disabled = true;
    const out = h('p', { id: 'verify-result', role: 'status' }, 'Verifying…');
    box.append(out);
    try {
      const result = await api(`exports/${seg(job.export_id)}/verify`, { method: 'POST' });
      replace(out, result.ok ? badge('verified', 'ok') : badge('verify failed', 'warn'), ' ', result.message || (result.problems || []).join('; '));
    } catch (err) {
      replace(out, badge('verify failed', 'warn'), ' ', err.message);
    }
    verify.disabled = false;
  } }, 'Verify');
  replace(
    box,
    h('h2', {}, 'Export'),
    h('p', {}, `Status: `, badge(job.status, done ? 'ok' : ''), job.record_count !== undefined ? ` · ${job.record_count} record(s)` : ''),
    done && job.download_url ? h('p', {}, h('a', { href: job.download_url, id: 'download', class: 'button', rel: 'noopener noreferrer', download: '' }, 'Download the bundle')) : null,
    done ? verify : null,
  );
}

async function exportsView(panel, show, timers) {
  const current = h('section', { class: 'card', id: 'export-status', 'aria-live': 'polite', hidden: true });
  const form = h('form', { class: 'card grid', id: 'export-form' }, h('h2', {}, 'Run an eDiscovery export'), criteriaFields(), formError(), h('button', { type: 'submit', class: 'primary' }, 'Start export'));
  async function watch(id) {
    current.hidden = false;
    const tick = async () => {
      const job = await api(`exports/${seg(id)}`);
      drawExport(current, job);
      if (!/running|pending|queued|started/i.test(job.status || '')) for (const t of timers) clearInterval(t);
    };
    await tick();
    timers.add(setInterval(() => tick().catch(() => {}), POLL_MS));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const job = await api('exports', { method: 'POST', body: criteria(form) });
      toast('Export started');
      await watch(job.export_id);
    });
  });
  const list = items(await api('exports').catch(() => []), 'exports');
  replace(
    panel,
    form,
    current,
    table('Earlier exports', ['Started', 'By', 'Status', ''], list.map((job) => h('tr', {}, h('td', {}, when(job.created_at)), h('td', {}, job.requested_by || ''), h('td', {}, badge(job.status)), h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => watch(job.export_id) }, 'Open'))))),
  );
}
