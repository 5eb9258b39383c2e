// Admin: people and teams, the number inventory (assign, unassign, quarantine, history), and
// the queue of messages that reached no one. The selected number is kept in memory, never in the URL.

import { api, items, seg } from './api.js';
import { threadLabel } from './inbox.js';
import { badge, field, formError, h, phone, problem, replace, select, submitting, table, tabs, toast, when } from './ui.js';

const ROLES = ['employee', 'admin', 'hr', 'compliance'];

export async function adminView(main, { rest, navigate }) {
  const initial = ['people', 'teams', 'numbers', 'unassigned'].includes(rest[0]) ? rest[0] : 'people';
  const panel = h('div', { id: 'tabpanel', role: 'tabpanel', tabindex: '0', 'aria-labelledby': `tab-${initial}` });
  replace(
    main,
    h('h1', {}, 'Admin'),
    tabs('Admin sections', [['people', 'People'], ['teams', 'Teams'], ['numbers', 'Numbers'], ['unassigned', 'Unassigned queue']], initial, (key) => {
      panel.setAttribute('aria-labelledby', `tab-${key}`);
      window.history.replaceState(null, '', `#/admin/${key}`);
      show(key);
    }),
    panel,
  );
  const views = { people, teams, numbers, unassigned };
  async function show(key) {
    replace(panel, h('p', { class: 'loading' }, 'Loading…'));
    try {
      await views[key](panel, show);
    } catch (err) {
      replace(panel, h('p', { class: 'form-error', role: 'alert' }, problem(err)));
    }
  }
  await show(initial);
  return () => {};
}

export async function loadPeople() {
  return items(await api('employees?limit=200'), 'employees');
}

export async function loadTeams() {
  return items(await api('teams?limit=200'), 'teams');
}

async function people(panel, show) {
  const [staff, teamList] = await Promise.all([loadPeople(), loadTeams()]);
  const rows = staff.map((p) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, p.name),
      h('td', {}, p.employee_id),
      h('td', {}, p.team_id || '—'),
      h('td', {}, (p.roles || []).join(', ')),
      h('td', {}, badge(p.status, p.status === 'active' ? 'ok' : 'warn')),
    ),
  );
  const form = h(
    'form',
    { class: 'card inline', id: 'person-form' },
    h('h2', {}, 'Add a person'),
    field('Id', h('input', { name: 'employee_id', required: true, pattern: '[a-z0-9][a-z0-9._-]*', autocomplete: 'off' }), 'Lower-case letters, digits, dots or dashes'),
    field('Name', h('input', { name: 'name', required: true, autocomplete: 'off' })),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' })),
    field('Team', select('team_id', [['', 'No team'], ...teamList.map((t) => [t.team_id, t.name])], '')),
    h('fieldset', {}, h('legend', {}, 'Roles'), ROLES.map((r) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'roles', value: r, checked: r === 'employee' }), r))),
    formError(),
    h('button', { type: 'submit', class: 'primary' }, 'Add person'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const data = new FormData(form);
      await api('employees', {
        method: 'POST',
        body: {
          employee_id: data.get('employee_id'),
          name: data.get('name'),
          email: data.get('email'),
          team_id: data.get('team_id') || null,
          roles: data.getAll('roles'),
        },
      });
      toast('Person added');
      await show('people');
    });
  });
  replace(panel, table('People', ['Name', 'Id', 'Team', 'Roles', 'Status'], rows), form);
}

async function teams(panel, show) {
  const [teamList, staff] = await Promise.all([loadTeams(), loadPeople()]);
  const rows = teamList.map((t) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, t.name),
      h('td', {}, t.team_id),
      h('td', {}, t.manager_id || '—'),
      h('td', {}, staff.filter((p) => p.team_id === t.team_id).map((p) => p.name).join(', ') || '—'),
    ),
  );
  const form = h(
    'form',
    { class: 'card inline', id: 'team-form' },
    h('h2', {}, 'Add a team'),
    field('Id', h('input', { name: 'team_id', required: true, autocomplete: 'off' })),
    field('Name', h('input', { name: 'name', required: true, autocomplete: 'off' })),
    field('Manager', select('manager_id', [['', 'No manager'], ...staff.map((p) => [p.employee_id, p.name])], '')),
    formError(),
    h('button', { type: 'submit', class: 'primary' }, 'Add team'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const data = new FormData(form);
      await api('teams', { method: 'POST', body: { team_id: data.get('team_id'), name: data.get('name'), manager_id: data.get('manager_id') || null } });
      toast('Team added');
      await show('teams');
    });
  });
  replace(panel, table('Teams', ['Name', 'Id', 'Manager', 'Members'], rows), form);
}

function ownerText(owner, staff, teamList) {
  if (!owner) return '—';
  const [kind, id] = owner.split('#');
  if (kind === 'employee') return staff.find((p) => p.employee_id === id)?.name || id;
  if (kind === 'team') return `${teamList.find((t) => t.team_id === id)?.name || id} (team inbox)`;
  return owner;
}

async function numbers(panel, show) {
  const [list, staff, teamList] = await Promise.all([api('numbers?limit=200').then((d) => items(d, 'numbers')), loadPeople(), loadTeams()]);
  const detail = h('section', { class: 'card', id: 'number-detail', 'aria-live': 'polite' }, h('p', { class: 'hint' }, 'Choose a number to assign it, quarantine it or see its history.'));
  const rows = list.map((n) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('button', { type: 'button', class: 'link', onclick: () => numberDetail(detail, n.e164, staff, teamList, show) }, phone(n.e164))),
      h('td', {}, n.carrier),
      h('td', {}, badge(n.status, { assigned: 'ok', quarantined: 'warn' }[n.status] || '')),
      h('td', {}, ownerText(n.assignee, staff, teamList)),
    ),
  );
  const form = h(
    'form',
    { class: 'card inline', id: 'number-form' },
    h('h2', {}, 'Add a number'),
    field('Number', h('input', { name: 'e164', type: 'tel', required: true, autocomplete: 'off' }), 'E.164, e.g. +14155550100'),
    field('Carrier', select('carrier', [['twilio', 'Twilio'], ['telnyx', 'Telnyx'], ['bandwidth', 'Bandwidth'], ['vonage', 'Vonage']], 'twilio')),
    formError(),
    h('button', { type: 'submit', class: 'primary' }, 'Add number'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(form, async () => {
      const data = new FormData(form);
      await api('numbers', { method: 'POST', body: { e164: data.get('e164'), carrier: data.get('carrier') } });
      toast('Number added');
      await show('numbers');
    });
  });
  replace(panel, table('Number inventory', ['Number', 'Carrier', 'Status', 'Assigned to'], rows), detail, form);
}

async function numberDetail(detail, e164, staff, teamList, show) {
  replace(detail, h('p', { class: 'loading' }, 'Loading…'));
  const [n, past] = await Promise.all([api(`numbers/${seg(e164)}`), api(`numbers/${seg(e164)}/history`)]);
  const history = items(past, 'history');
  const owners = [
    ...staff.filter((p) => p.status === 'active').map((p) => [`employee#${p.employee_id}`, p.name]),
    ...teamList.map((t) => [`team#${t.team_id}`, `${t.name} (team inbox)`]),
  ];
  const assignee = select('assignee', owners, owners[0]?.[0]);
  const assign = h('form', { class: 'inline', id: 'assign-form' }, field('Assign to', assignee), formError(), h('button', { type: 'submit', class: 'primary' }, 'Assign'));
  assign.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(assign, async () => {
      await api(`numbers/${seg(e164)}/assignment`, { method: 'PUT', body: { assignee: assignee.value } });
      toast('Number assigned');
      await show('numbers');
    });
  });
  const days = h('input', { type: 'number', name: 'quarantine_days', min: 0, max: 365, value: 30 });
  const release = h(
    'form',
    { class: 'inline', id: 'unassign-form' },
    field('Quarantine days', days, '0 returns the number to the pool at once'),
    formError(),
    h('button', { type: 'submit' }, 'Unassign'),
  );
  release.addEventListener('submit', (event) => {
    event.preventDefault();
    submitting(release, async () => {
      await api(`numbers/${seg(e164)}/assignment?quarantine_days=${Number(days.value)}`, { method: 'DELETE' });
      toast('Number unassigned');
      await show('numbers');
    });
  });
  replace(
    detail,
    h('h2', { tabindex: '-1', id: 'number-title' }, phone(e164)),
    h('p', {}, `${n.carrier} · ${n.status}`, n.quarantined_until ? ` until ${when(n.quarantined_until)}` : '', ' · ', ownerText(n.assignee, staff, teamList)),
    n.status === 'assigned' ? release : assign,
    n.status === 'quarantined' || n.status === 'available' ? releaseToCarrier(e164, show) : null,
    table('History', ['When', 'What', 'Who', 'By'], history.map((e) => h('tr', {}, h('td', {}, when(e.at)), h('td', {}, e.action), h('td', {}, ownerText(e.assignee, staff, teamList)), h('td', {}, e.actor_id || '')))),
  );
  detail.querySelector('h2').focus();
}

function releaseToCarrier(e164, show) {
  const button = h('button', { type: 'button', id: 'release-button', onclick: async () => {
    button.disabled = true;
    try {
      await api(`numbers/${seg(e164)}/release`, { method: 'POST', body: {} });
      toast('Number released to the carrier');
      await show('numbers');
    } catch (err) {
      toast(problem(err), 'error');
      button.disabled = false;
    }
  } }, 'Release to the carrier');
  return h('p', {}, button);
}

async function unassigned(panel) {
  const threads = items(await api('unassigned?limit=100'), 'threads');
  replace(
    panel,
    h('p', {}, 'Messages to numbers that are unassigned, quarantined or unknown land here. Assign the number to route its customers.'),
    table(
      'Unassigned queue',
      ['Customer', 'To number', 'Last activity', 'Unread'],
      threads.map((t) => h('tr', {}, h('th', { scope: 'row' }, threadLabel(t)), h('td', {}, phone(t.business_number)), h('td', {}, when(t.last_activity_at)), h('td', {}, String(t.unread || 0)))),
    ),
  );
}
