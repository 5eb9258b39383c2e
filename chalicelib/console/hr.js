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
// (the API's `mapping` policy, chosen customers to chosen people, is not offered here yet)
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
    let finished = false;
    const draw = async () => {
      if (finished) return;
      const run = await api(`offboardings/${seg(runId)}`);
      drawRun(box, run);
      finished = ['succeeded', 'failed'].includes(run.status);
    };
    await draw().catch((err) => replace(box, h('p', { class: 'form-error', role: 'alert' }, problem(err))));
    timer = setInterval(() => draw().catch(() => {}), POLL_MS);
    return () => clearInterval(timer);
  }

  // People to choose from when the directory can be read; ids can always be typed.
  const staff = await loadPeople().catch(() => []);
  const active = staff.filter((p) => p.status === 'active');
  const people = h('datalist', { id: 'active-people' }, active.map((p) => h('option', { value: p.employee_id }, p.name)));
  const leaver = h('input', { name: 'employee_id', list: 'active-people', required: true, autocomplete: 'off' });
  const policy = select('policy', POLICIES, 'successor');
  const successor = h('input', { name: 'successor_id', list: 'active-people', autocomplete: 'off' });
  const numberPolicy = select('number_policy', NUMBER_POLICIES, 'successor');
  const days = h('input', { type: 'number', name: 'days', min: 1, max: 365, value: 30 });
  const daysField = field('Quarantine days', days);
  daysField.hidden = true;
  numberPolicy.addEventListener('change', () => {
    daysField.hidden = numberPolicy.value !== 'quarantine';
  });
  const notify = h('input', { type: 'checkbox', name: 'notify' });
  const preview = h('section', { id: 'preview', class: 'card', 'aria-live': 'polite', hidden: true });
  const successorField = field('Successor', successor, 'The colleague who takes over');
  policy.addEventListener('change', () => {
    successorField.hidden = policy.value !== 'successor';
  });

  function payload() {
    const body = {
      employee_id: leaver.value.trim(),
      reassign: { policy: policy.value },
      numbers: { policy: numberPolicy.value },
      notify_customers: notify.checked,
    };
    if (policy.value === 'successor') body.reassign.successor = successor.value.trim();
    if (numberPolicy.value === 'quarantine') body.numbers.days = Number(days.value);
    return body;
  }

  const form = h(
    'form',
    { class: 'card', id: 'offboard-form' },
    h('h2', {}, 'Start an offboarding'),
    people,
    field('Employee who is leaving', leaver, 'Their employee id'),
    field('Who receives their conversations', policy),
    successorField,
    field('Their numbers', numberPolicy),
    daysField,
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
    const who = active.find((p) => p.employee_id === leaver.value.trim());
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

function nameOf(staff, owner) {
  const id = String(owner || '').replace(/^employee#/, '');
  return staff.find((p) => p.employee_id === id)?.name || id;
}

function drawPreview(box, plan, staff) {
  box.hidden = false;
  const receives = Object.entries(plan.receives || {});
  const sample = items(plan, 'sample');
  const held = Object.entries(plan.numbers || {});
  replace(
    box,
    h('h2', { tabindex: '-1' }, 'Preview'),
    h('p', {}, `${plan.threads_previewed ?? sample.length} conversation(s)${plan.truncated ? ' (first part only)' : ''} and ${held.length} number(s) would move.`),
    table('Who receives how many conversations', ['Colleague', 'Conversations'], receives.map(([id, n]) => h('tr', {}, h('th', { scope: 'row' }, nameOf(staff, id)), h('td', {}, String(n))))),
    table('Conversations', ['Customer', 'Goes to'], sample.map((t) => h('tr', {}, h('td', {}, t.customer || ''), h('td', {}, nameOf(staff, t.to))))),
    table('Numbers', ['Number', 'Goes to'], held.map(([e164, to]) => h('tr', {}, h('td', {}, phone(e164)), h('td', {}, nameOf(staff, to))))),
  );
  box.querySelector('h2').focus();
}

function drawRun(box, run) {
  const progress = run.progress || {};
  const counts = Object.entries(progress).filter(([, v]) => typeof v === 'number');
  const skipped = Object.entries(progress.skipped || {});
  const movedTo = Object.entries(progress.moved_to || {});
  const report = run.report;
  replace(
    box,
    h('p', {}, `Employee ${run.employee_id} · started ${when(run.created_at)} · step ${run.step || '—'} · `, badge(run.status, run.status === 'succeeded' ? 'ok' : run.status === 'failed' ? 'warn' : '')),
    h('dl', { class: 'counts', id: 'progress' }, counts.map(([k, v]) => [h('dt', {}, k.replace(/_/g, ' ')), h('dd', {}, String(v))])),
    movedTo.length ? table('Conversations moved to', ['Colleague', 'Conversations'], movedTo.map(([id, n]) => h('tr', {}, h('td', {}, String(id).replace(/^employee#/, '')), h('td', {}, String(n))))) : null,
    skipped.length ? table('Skipped', ['Reason', 'How many'], skipped.map(([why, n]) => h('tr', {}, h('td', {}, why.replace(/_/g, ' ')), h('td', {}, String(n))))) : null,
    run.error ? h('p', { class: 'form-error', role: 'alert' }, typeof run.error === 'string' ? run.error : JSON.stringify(run.error)) : null,
    report ? h('section', { class: 'card', id: 'report' }, h('h2', {}, 'Report'), h('pre', {}, JSON.stringify(report, null, 2))) : null,
  );
}
