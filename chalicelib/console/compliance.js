// Compliance: search the archive, place and release legal holds, run an eDiscovery export,
// download its bundle, and verify the archive. Nothing typed here goes into the console's URL.

import { api, items, seg } from './api.js';
import { badge, field, formError, h, phone, problem, replace, select, submitting, table, tabs, toast, when } from './ui.js';

const POLL_MS = 1500;
const FINISHED = ['done', 'failed'];

export async function complianceView(main, { rest }) {
  const initial = ['search', 'holds', 'exports', 'verify'].includes(rest[0]) ? rest[0] : 'search';
  const panel = h('div', { id: 'tabpanel', role: 'tabpanel', tabindex: '0', 'aria-labelledby': `tab-${initial}` });
  const timers = new Set();
  const stop = () => {
    for (const t of timers) clearInterval(t);
    timers.clear();
  };
  replace(
    main,
    h('h1', {}, 'Compliance'),
    tabs('Compliance sections', [['search', 'Search archive'], ['holds', 'Legal holds'], ['exports', 'Exports'], ['verify', 'Verify']], initial, (key) => {
      panel.setAttribute('aria-labelledby', `tab-${key}`);
      window.history.replaceState(null, '', `#/compliance/${key}`);
      show(key);
    }),
    panel,
  );
  const views = { search, holds, exports: (p) => exportsView(p, timers), verify: verifyView };
  async function show(key) {
    stop();
    try {
      await views[key](panel, show);
    } catch (err) {
      replace(panel, h('p', { class: 'form-error', role: 'alert' }, problem(err)));
    }
  }
  await show(initial);
  return stop;
}

function formValues(form) {
  const out = {};
  for (const [key, value] of new FormData(form).entries()) if (String(value).trim()) out[key] = String(value).trim();
  return out;
}

async function search(panel) {
  const results = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const q = h('input', { name: 'q', type: 'search', required: true, minlength: 2, autocomplete: 'off' });
  const form = h('form', { class: 'card inline', id: 'search-form', role: 'search' }, h('h2', {}, 'Search the archive'), field('Text in messages', q, 'Every search is recorded in the audit trail'), formError(), h('button', { type: 'submit', class: 'primary' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const found = await api(`archive/search?q=${encodeURIComponent(q.value.trim())}`);
      const hits = items(found, 'hits');
      replace(
        results,
        table(
          `${found.count ?? hits.length} message(s) found`,
          ['When', 'Direction', 'Customer', 'Business number', 'Text', 'Archived'],
          hits.map((m) =>
            h(
              'tr',
              {},
              h('td', {}, when(m.created_at)),
              h('td', {}, m.direction),
              h('td', {}, phone(m.customer_number)),
              h('td', {}, phone(m.business_number)),
              h('td', { class: 'body' }, m.body || ''),
              h('td', {}, m.archived ? badge('archived', 'ok') : badge('pending')),
            ),
          ),
        ),
      );
    });
  });
  replace(panel, form, results);
  q.focus();
}

async function holds(panel, show) {
  const list = items(await api('legal-holds'), 'holds');
  const form = h(
    'form',
    { class: 'card inline', id: 'hold-form' },
    h('h2', {}, 'Place a legal hold'),
    field('On', select('scope', [['customer', 'A customer number'], ['employee', 'An employee'], ['thread', 'A thread']], 'customer')),
    field('Which', h('input', { name: 'value', required: true, autocomplete: 'off' }), 'The customer number, employee id or thread id'),
    field('Reason or matter', h('input', { name: 'reason', autocomplete: 'off' })),
    formError(),
    h('button', { type: 'submit', class: 'primary' }, 'Place hold'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const hold = await api('legal-holds', { method: 'POST', body: formValues(form) });
      toast(`Legal hold placed on ${hold.objects_held} archived object(s) and every future one`);
      await show('holds');
    });
  });
  const rows = list.map((hold) => {
    const release = h('button', { type: 'button', onclick: async () => {
      release.disabled = true;
      try {
        await api(`legal-holds/${seg(hold.hold_id)}/release`, { method: 'POST', body: {} });
        toast('Legal hold released');
        await show('holds');
      } catch (err) {
        toast(problem(err), 'error');
        release.disabled = false;
      }
    } }, 'Release');
    return h(
      'tr',
      {},
      h('td', {}, hold.scope),
      h('td', {}, hold.scope === 'customer' ? phone(hold.value) : hold.value),
      h('td', {}, hold.reason || ''),
      h('td', {}, `${when(hold.placed_at)} by ${hold.placed_by}`),
      h('td', {}, String(hold.objects_held ?? '')),
      h('td', {}, hold.status === 'active' ? release : badge(`released ${when(hold.released_at)}`)),
    );
  });
  replace(panel, table('Legal holds', ['On', 'Which', 'Reason', 'Placed', 'Objects held', ''], rows), form);
}

function drawExport(box, job) {
  const done = job.status === 'done';
  replace(
    box,
    h('h2', {}, 'Export'),
    h('p', {}, 'Status: ', badge(job.status, done ? 'ok' : job.status === 'failed' ? 'warn' : ''), done ? ` · ${job.records} record(s), ${job.media_files} media file(s)` : ''),
    job.error ? h('p', { class: 'form-error', role: 'alert' }, job.error) : null,
    done && job.download_url
      ? h('p', {}, h('a', { href: job.download_url, id: 'download', class: 'button', rel: 'noopener noreferrer', download: `${job.export_id}.zip` }, 'Download the bundle'), h('small', { class: 'hint' }, `The link works for ${Math.round((job.expires_in || 0) / 60)} minutes.`))
      : null,
    done && job.manifest_sha256 ? h('p', {}, 'Manifest SHA-256: ', h('code', { class: 'hash' }, job.manifest_sha256)) : null,
    done ? h('p', { class: 'hint' }, 'Check the bundle offline with the verify command; it names any record that was altered, removed or reordered.') : null,
  );
}

async function exportsView(panel, timers) {
  const current = h('section', { class: 'card', id: 'export-status', 'aria-live': 'polite', hidden: true });
  const form = h(
    'form',
    { class: 'card grid', id: 'export-form' },
    h('h2', {}, 'Run an eDiscovery export'),
    field('Customer number', h('input', { name: 'customer_number', type: 'tel', autocomplete: 'off' })),
    field('Employee id', h('input', { name: 'employee_id', autocomplete: 'off' })),
    field('Thread id', h('input', { name: 'thread_id', autocomplete: 'off' })),
    field('From', h('input', { name: 'from', type: 'date' })),
    field('To', h('input', { name: 'to', type: 'date' })),
    field('Text in messages', h('input', { name: 'q', type: 'search', autocomplete: 'off' })),
    formError(),
    h('button', { type: 'submit', class: 'primary' }, 'Start export'),
  );
  async function watch(id) {
    current.hidden = false;
    let finished = false;
    const tick = async () => {
      if (finished) return;
      const job = await api(`exports/${seg(id)}`);
      drawExport(current, job);
      finished = FINISHED.includes(job.status);
    };
    await tick();
    timers.add(setInterval(() => tick().catch(() => {}), POLL_MS));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const job = await api('exports', { method: 'POST', body: formValues(form) });
      toast('Export started');
      await watch(job.export_id);
    });
  });
  replace(panel, form, current);
}

async function verifyView(panel) {
  const result = h('section', { id: 'verify-result', 'aria-live': 'polite' });
  const run = h('button', { type: 'button', class: 'primary', id: 'verify-button', onclick: async () => {
    run.disabled = true;
    replace(result, h('p', { class: 'loading' }, 'Verifying every chain, object and retention…'));
    try {
      const report = await api('archive/verify', { method: 'POST', body: {} });
      replace(
        result,
        h('p', {}, report.ok ? badge('verified', 'ok') : badge('problems found', 'warn'), ` ${report.records} record(s), ${report.objects} object(s), ${report.chains} chain(s) in ${report.target}`),
        report.problems && report.problems.length ? h('ul', { class: 'problems' }, report.problems.map((p) => h('li', {}, p))) : null,
      );
    } catch (err) {
      replace(result, h('p', { class: 'form-error', role: 'alert' }, problem(err)));
    }
    run.disabled = false;
  } }, 'Verify the archive');
  replace(
    panel,
    h('section', { class: 'card' }, h('h2', {}, 'Verify the archive'), h('p', {}, 'Checks that every hash chain is intact, every object is under COMPLIANCE retention, and nothing in the database is missing from the archive.'), run, result),
  );
}
