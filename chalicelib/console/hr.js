// HR: start an offboarding (with a preview of who receives which threads), watch its progress,
// read its report. Runs are addressed by their opaque run id.

import { api, items, seg } from './api.js';
import { loadPeople } from './admin.js';
import { badge, field, formError, h, phone, problem, replace, select, submitting, table, toast, when } from './ui.js';

const POLICIES = [
  ['successor', 'A named successor'],
  ['manager', 'Their manager'],
  ['round_robin', 'Round-robin across their team'],
  ['least_loaded', 'Least-loaded in their team'],
];
const NUMBER_POLICIES = [
  ['successor', 'Move to the successor'],
  ['pool', 'Return to the pool'],
  ['quarantine', 'Quarantine first'],
];
const POLL_MS = 2000;

export async function hrView(main, { rest, navigate }) {
  const runId = rest[0];
  let timer = null;
  if (runId) {
    const box = h('section', { id: 'run', 'aria-live': 'polite' });
    replace(main, h('a', { href: '#/hr', class: 'back' }, '← Offboardings'), h('h1', {}, 'Offboarding'), box);
    const draw = async () => {
      const run = await api(`offboardings/${seg(runId)}`);
      drawRun(box, run);
      if (['SUCCEEDED', 'FAILED', 'succeeded', 'failed', 'completed', 'TIMED_OUT', 'ABORTED'].includes(run.status)) clearInterval(timer);
    };
    await draw().catch((err) => replace(box, h('p', { class: 'form-error', role: 'alert' }, problem(err))));
    timer = setInterval(() => draw().catch(() => {}), POLL_MS);
    return () => clearInterval(timer);
  }

  const staff = await loadPeople();
  const active = staff.filter((p) => p.status === 'active');
  const options = active.map((p) => [p.employee_id, `${p.name} (${p.employee_id})`]);
  const leaver = select('employee_id', options, options[0]?.[0]);
  const policy = select('policy', POLICIES, 'successor');
  const successor = select('successor_id', options, options[1]?.[0]);
  const numberPolicy = select('number_policy', NUMBER_POLICIES, 'successor');
  const notify = h('input', { type: 'checkbox', name: 'notify' });
  const preview = h('section', { id: 'preview', class: 'card', 'aria-live': 'polite', hidden: true });
  const successorField = field('Successor', successor);
  policy.addEventListener('change', () => {
    successorField.hidden = policy.value !== 'successor';
  });

  function payload() {
    const body = {
      employee_id: leaver.value,
      policy: { kind: policy.value },
      number_policy: { kind: numberPolicy.value },
      notify_customers: notify.checked,
    };
    if (policy.value === 'successor') body.policy.successor_id = successor.value;
    return body;
  }

  const form = h(
    'form',
    { class: 'card', id: 'offboard-form' },
    h('h2', {}, 'Start an offboarding'),
    field('Employee who is leaving', leaver),
    field('Who receives their conversations', policy),
    successorField,
    field('Their numbers', numberPolicy),
    h('label', { class: 'check' }, notify, 'Tell customers who their new contact is'),
    formError(),
    h('div', { class: 'actions' }, h('button', { type: 'button', id: 'preview-button', onclick: () => runPreview() }, 'Preview'), h('button', { type: 'submit', class: 'primary' }, 'Start offboarding')),
  );

  async function runPreview() {
    await submitting(form, async () => {
      const plan = await api('offboardings/preview', { method: 'POST', body: payload() });
      drawPreview(preview, plan, staff);
    });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const who = active.find((p) => p.employee_id === leaver.value);
    submitting(form, async () => {
      const run = await api('offboardings', { method: 'POST', body: payload() });
      toast(`Offboarding of ${who ? who.name : leaver.value} started`);
      navigate('hr', run.run_id);
    });
  });

  const runs = items(await api('offboardings').catch(() => []), 'offboardings', 'runs');
  replace(
    main,
    h('h1', {}, 'Offboarding'),
    h('div', { class: 'split' }, form, preview),
    table(
      'Offboardings',
      ['Employee', 'Started', 'Status', ''],
      runs.map((r) =>
        h('tr', {}, h('th', { scope: 'row' }, r.employee_id), h('td', {}, when(r.created_at)), h('td', {}, badge(r.status)), h('td', {}, h('a', { href: `#/hr/${r.run_id}` }, 'Open'))),
      ),
    ),
  );
  return () => {};
}

function nameOf(staff, id) {
  return staff.find((p) => p.employee_id === id)?.name || id;
}

function drawPreview(box, plan, staff) {
  box.hidden = false;
  const threads = items(plan, 'threads', 'assignments');
  const numbers = items(plan, 'numbers');
  replace(
    box,
    h('h2', {}, 'Preview'),
    h('p', {}, `${threads.length} conversation(s) and ${numbers.length} number(s) would move.`),
    table('Conversations', ['Customer', 'Number', 'Goes to'], threads.map((t) => h('tr', {}, h('td', {}, phone(t.customer_number)), h('td', {}, phone(t.business_number)), h('td', {}, nameOf(staff, t.to || t.new_owner || t.successor_id))))),
    table('Numbers', ['Number', 'Goes to'], numbers.map((n) => h('tr', {}, h('td', {}, phone(n.e164)), h('td', {}, n.to ? nameOf(staff, n.to) : n.action || '')))),
  );
  box.querySelector('h2').setAttribute('tabindex', '-1');
  box.querySelector('h2').focus();
}

function drawRun(box, run) {
  const progress = run.progress || {};
  const counts = Object.entries(progress).filter(([, v]) => typeof v === 'number');
  const skipped = items(progress, 'skipped');
  const report = run.report;
  replace(
    box,
    h('p', {}, `Employee ${run.employee_id} · started ${when(run.created_at)} · `, badge(run.status, /succeed|complete/i.test(run.status) ? 'ok' : /fail/i.test(run.status) ? 'warn' : '')),
    h('dl', { class: 'counts' }, counts.map(([k, v]) => [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, String(v))])),
    skipped.length ? table('Skipped', ['What', 'Why'], skipped.map((s) => h('tr', {}, h('td', {}, s.thread_id || s.what || ''), h('td', {}, s.reason || '')))) : null,
    run.error ? h('p', { class: 'form-error', role: 'alert' }, run.error) : null,
    report ? h('section', { class: 'card', id: 'report' }, h('h2', {}, 'Report'), h('pre', {}, JSON.stringify(report, null, 2))) : null,
  );
}
